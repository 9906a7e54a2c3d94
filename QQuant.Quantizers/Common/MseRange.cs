using QQuant;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// The uniform grid that minimises the squared error <c>Σ (x − q(x))²</c>, <c>q(x) = round(clamp((x − β)/s, Qn, Qp))·s + β</c>,
/// over a sample of the data: LSQ+'s initialisation of an activation's step and offset.
/// </summary>
/// <remarks>
/// <para>With an offset the search runs over the grid's ends <c>[lo, hi] ⊆ [min, max]</c>
/// (<c>s = (hi − lo)/(Qp − Qn)</c>, <c>β = lo − Qn·s</c>): a coarse 2-D grid of fractions of <c>[min, max]</c>, then
/// grids of a quarter of the previous spacing around the best pair. Without one (<c>β = 0</c>) it is a 1-D search over
/// the factor <c>f ∈ (0, 1]</c> that shrinks the step covering <c>[min, max]</c>, refined the same way.</para>
/// <para>The errors are computed with torch in float64 on the sample's device, a block of candidates and sample values
/// at a time, so memory stays within <see cref="BlockElements"/> values. The answer is null (keep min/max) for
/// degenerate data and whenever no candidate has a strictly smaller error than the min/max grid, which is therefore
/// never beaten by a worse one.</para>
/// </remarks>
internal static class MseRange
{
    /// <summary>How many observed values the search looks at (the statistics' sample size).</summary>
    public const int SampleSize = 65_536;

    /// <summary>The most elements one block of candidate × sample errors holds (8 MiB in float64).</summary>
    public const long BlockElements = 1 << 20;

    // The coarse grid: fractions i/24 of [min, max] for each end (300 pairs lo < hi), 64 shrink factors on a line.
    private const int CoarseDivisions = 24;
    private const int LineDivisions = 64;

    // Each refinement tries ±HalfWidth points spaced by a quarter (an eighth on a line) of the previous spacing.
    private const int HalfWidth = 4;
    private const int LineHalfWidth = 8;
    private const int Refinements = 6;

    /// <summary>
    /// The step and offset with the least squared error over <paramref name="sample"/> for a grid inside
    /// <c>[<paramref name="min"/>, <paramref name="max"/>]</c>, or null when the min/max grid
    /// (<c>s = (max − min)/(Qp − Qn)</c>, <c>β = min − Qn·s</c>) is as good or the data is degenerate.
    /// </summary>
    public static (double Step, double Offset)? WithOffset(Tensor sample, double min, double max, IntegerRange range)
    {
        double span = max - min;
        if (!(span > 0) || !double.IsFinite(span) || sample.numel() == 0)
        {
            return null;
        }

        double minMaxStep = span / range.Steps;
        double baseline = Errors(sample, [minMaxStep], [min - range.Min * minMaxStep], range)[0];

        var coarse = new List<(double Lo, double Hi)>();
        for (int i = 0; i <= CoarseDivisions; i++)
        {
            for (int j = i + 1; j <= CoarseDivisions; j++)
            {
                coarse.Add(((double)i / CoarseDivisions, (double)j / CoarseDivisions));
            }
        }

        (double a, double b, double best) = Best(sample, coarse, min, span, range);
        double spacing = 1.0 / CoarseDivisions;
        for (int stage = 0; stage < Refinements; stage++)
        {
            spacing /= HalfWidth;
            var fine = new List<(double Lo, double Hi)>();
            for (int i = -HalfWidth; i <= HalfWidth; i++)
            {
                for (int j = -HalfWidth; j <= HalfWidth; j++)
                {
                    double lo = Math.Clamp(a + i * spacing, 0, 1), hi = Math.Clamp(b + j * spacing, 0, 1);
                    if (lo < hi)
                    {
                        fine.Add((lo, hi));
                    }
                }
            }

            (double fa, double fb, double error) = Best(sample, fine, min, span, range);
            if (error < best)
            {
                (a, b, best) = (fa, fb, error);
            }
        }

        if (!(best < baseline))
        {
            return null;
        }

        (double step, double offset) = Grid(a, b, min, span, range);
        return (step, offset);
    }

    /// <summary>
    /// The step <c>f · <paramref name="coveringStep"/></c>, <c>f ∈ (0, 1]</c>, with the least squared error over
    /// <paramref name="sample"/> on the grid without offset, or null when <paramref name="coveringStep"/> itself is as
    /// good or is not positive.
    /// </summary>
    public static double? Step(Tensor sample, double coveringStep, IntegerRange range)
    {
        if (!(coveringStep > 0) || !double.IsFinite(coveringStep) || sample.numel() == 0)
        {
            return null;
        }

        double? f = Shrink(1, factors => [Errors(sample, [.. factors[0].Select(f => f * coveringStep)], new double[factors[0].Length], range)])[0];
        return f * coveringStep;
    }

    /// <summary>
    /// The clip <c>α = f · <paramref name="maxAbs"/></c>, <c>f ∈ (0, 1]</c>, with the least squared error
    /// <c>Σ (x − α·g(clamp(x/α, lo, 1)))²</c> over <paramref name="sample"/>, where <paramref name="grid"/> is <c>g</c>,
    /// the quantizer's rounding of a clipped value in <c>[lo, 1]</c> (<c>lo</c> is −1 when <paramref name="signed"/>,
    /// else 0); null when <paramref name="maxAbs"/> itself is as good or is not positive.
    /// </summary>
    public static double? Clip(Tensor sample, double maxAbs, bool signed, Func<Tensor, Tensor> grid) =>
        Clips(sample.flatten().unsqueeze(0), [maxAbs], signed, grid)[0];

    /// <summary>
    /// <see cref="Clip"/> for each row of <paramref name="samples"/> (<c>[rows, values]</c>) with its own
    /// <paramref name="maxAbs"/>, searched together: one weight's per-channel clips.
    /// </summary>
    public static double?[] Clips(Tensor samples, double[] maxAbs, bool signed, Func<Tensor, Tensor> grid)
    {
        var result = new double?[maxAbs.Length];
        int[] rows = [.. Enumerable.Range(0, maxAbs.Length).Where(r => maxAbs[r] > 0 && double.IsFinite(maxAbs[r]))];
        if (rows.Length == 0 || samples.shape[1] == 0)
        {
            return result;
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor x = samples.to(float64).index_select(0, tensor(rows.Select(r => (long)r).ToArray(), device: samples.device));
        double?[] factors = Shrink(rows.Length, candidates =>
        {
            double[,] clips = new double[rows.Length, candidates[0].Length];
            for (int r = 0; r < rows.Length; r++)
            {
                for (int k = 0; k < clips.GetLength(1); k++)
                {
                    clips[r, k] = candidates[r][k] * maxAbs[rows[r]];
                }
            }

            return ClipErrors(x, clips, signed, grid);
        });
        for (int r = 0; r < rows.Length; r++)
        {
            result[rows[r]] = factors[r] * maxAbs[rows[r]];
        }

        return result;
    }

    /// <summary>
    /// <c>Σ (x − α·g(clamp(x/α, lo, 1)))²</c> over each row of <paramref name="samples"/> (<c>[rows, values]</c>) for each
    /// of that row's candidate clips (<paramref name="clips"/>[row, k]), in float64 on the samples' device, in blocks
    /// of at most <see cref="BlockElements"/> values.
    /// </summary>
    public static double[][] ClipErrors(Tensor samples, double[,] clips, bool signed, Func<Tensor, Tensor> grid)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor x = samples.to(float64);
        (long rows, long n, int count) = (x.shape[0], x.shape[1], clips.GetLength(1));
        Tensor alpha = tensor(clips, float64, x.device).unsqueeze(2);
        Tensor total = zeros(rows, count, float64, x.device);
        long columns = Math.Max(1, Math.Min(n, BlockElements / count));
        long rowStep = Math.Max(1, BlockElements / (count * columns));
        for (long row = 0; row < rows; row += rowStep)
        {
            long height = Math.Min(rowStep, rows - row);
            Tensor a = alpha.narrow(0, row, height);
            for (long start = 0; start < n; start += columns)
            {
                using var block = NewDisposeScope();
                Tensor values = x.narrow(0, row, height).narrow(1, start, Math.Min(columns, n - start)).unsqueeze(1);
                Tensor error = grid((values / a).clamp_(signed ? -1 : 0, 1)).mul_(a).sub_(values);
                total.narrow(0, row, height).add_(error.mul_(error).sum(2));
            }
        }

        using Tensor all = total.cpu();
        double[] flat = all.data<double>().ToArray();
        return [.. Enumerable.Range(0, (int)rows).Select(r => flat.AsSpan(r * count, count).ToArray())];
    }

    // Each row's factor f in (0, 1] with the least error: a line of LineDivisions points, then finer lines around the
    // best; null where no factor is strictly better than f = 1. errorsOf takes each row's candidates (as many for every
    // row) and gives each row's errors.
    private static double?[] Shrink(int rows, Func<double[][], double[][]> errorsOf)
    {
        double[][] baseline = errorsOf([.. Enumerable.Repeat(new[] { 1.0 }, rows)]);
        double[] line = [.. Enumerable.Range(1, LineDivisions).Select(i => (double)i / LineDivisions)];
        (double[] f, double[] best) = BestOf([.. Enumerable.Repeat(line, rows)], errorsOf);
        double spacing = 1.0 / LineDivisions;
        for (int stage = 0; stage < Refinements; stage++)
        {
            spacing /= LineHalfWidth;
            double step = spacing;

            // A point at or below 0 is replaced by the centre, which is already tried.
            double[][] fine = [.. f.Select(centre => Enumerable.Range(-LineHalfWidth, 2 * LineHalfWidth + 1)
                .Select(i => Math.Min(centre + i * step, 1))
                .Select(x => x > 0 ? x : centre)
                .ToArray())];
            (double[] ff, double[] errors) = BestOf(fine, errorsOf);
            for (int r = 0; r < rows; r++)
            {
                if (errors[r] < best[r])
                {
                    (f[r], best[r]) = (ff[r], errors[r]);
                }
            }
        }

        return [.. Enumerable.Range(0, rows).Select(r => best[r] < baseline[r][0] ? f[r] : (double?)null)];
    }

    private static (double[] Factors, double[] Errors) BestOf(double[][] factors, Func<double[][], double[][]> errorsOf)
    {
        double[][] errors = errorsOf(factors);
        int[] k = [.. errors.Select(ArgMin)];
        return ([.. k.Select((best, r) => factors[r][best])], [.. k.Select((best, r) => errors[r][best])]);
    }

    // Candidates × sample values in blocks of at most BlockElements: (first candidate, candidates, sample columns).
    private static IEnumerable<(int First, int Count, long Columns)> Blocks(long n, int candidates)
    {
        long columns = Math.Min(n, BlockElements);
        long rows = Math.Max(1, BlockElements / Math.Max(columns, 1));
        for (int first = 0; first < candidates; first += (int)rows)
        {
            yield return (first, (int)Math.Min(rows, candidates - first), columns);
        }
    }

    /// <summary>
    /// <c>Σ (x − q(x))²</c> over <paramref name="sample"/> for each candidate grid (<paramref name="steps"/>[k],
    /// <paramref name="offsets"/>[k]), in float64 on the sample's device, in blocks of at most
    /// <see cref="BlockElements"/> values.
    /// </summary>
    public static double[] Errors(Tensor sample, double[] steps, double[] offsets, IntegerRange range)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor x = sample.to(float64).flatten();
        long n = x.shape[0];
        var totals = new List<Tensor>();
        foreach ((int first, int count, long columns) in Blocks(n, steps.Length))
        {
            Tensor s = tensor(steps.AsSpan(first, count).ToArray(), float64, x.device).unsqueeze(1);
            Tensor beta = tensor(offsets.AsSpan(first, count).ToArray(), float64, x.device).unsqueeze(1);
            Tensor total = zeros(count, float64, x.device);
            for (long start = 0; start < n; start += columns)
            {
                using var block = NewDisposeScope();
                Tensor values = x.narrow(0, start, Math.Min(columns, n - start)).unsqueeze(0);
                Tensor error = values - beta;
                error.div_(s).clamp_(range.Min, range.Max).round_().mul_(s).add_(beta).sub_(values);
                total.add_(error.mul_(error).sum(1));
            }

            totals.Add(total);
        }

        using Tensor all = cat(totals).cpu();
        return all.data<double>().ToArray();
    }

    private static (double Step, double Offset) Grid(double a, double b, double min, double span, IntegerRange range)
    {
        double lo = min + a * span, hi = min + b * span;
        double step = (hi - lo) / range.Steps;
        return (step, lo - range.Min * step);
    }

    // The first pair with the least error (fractions of [min, max] for the grid's ends) and that error.
    private static (double A, double B, double Error) Best(
        Tensor sample, List<(double Lo, double Hi)> pairs, double min, double span, IntegerRange range)
    {
        var grids = pairs.Select(p => Grid(p.Lo, p.Hi, min, span, range)).ToArray();
        double[] errors = Errors(sample, [.. grids.Select(g => g.Step)], [.. grids.Select(g => g.Offset)], range);
        int k = ArgMin(errors);
        return (pairs[k].Lo, pairs[k].Hi, errors[k]);
    }

    private static int ArgMin(double[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] < values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
