using QQuant;
using QQuant.Export;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>Builds the <see cref="QuantGrid"/> of the quantizers whose forward is <c>round(clamp(x / s, Qn, Qp)) · s</c>.</summary>
internal static class GridExport
{
    /// <summary>
    /// The grid of step(s) <paramref name="scale"/> (shape <c>[1]</c> or <c>[C]</c>) over <paramref name="range"/>;
    /// for a weight, its codes <c>round(clamp(w / s, Qn, Qp))</c> computed as the forward computes them.
    /// </summary>
    public static QuantGrid Uniform(Tensor scale, IntegerRange range, Tensor? weight, string? approximation = null)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        float[] scales = Floats(scale);
        int[]? codes = null;
        if (weight is not null)
        {
            Tensor s = scale.numel() == 1 || weight.dim() < 2 ? scale : scale.view(ChannelShape(weight));
            codes = Codes((weight / s).clamp(range.Min, range.Max).round());
        }

        return new QuantGrid(scales, 0, range, codes, approximation);
    }

    /// <summary>
    /// The grid of values <c>(c + b) · s</c> for codes <c>c</c> in <paramref name="codes"/> and an offset of
    /// <paramref name="offsetSteps"/> = b steps (LSQ+'s <c>β/s</c>, DSQ's <c>l/δ</c>): ONNX's zero point must be an
    /// integer, so b is rounded (said in <see cref="QuantGrid.Approximation"/> when it was not one, with the exact form
    /// around <paramref name="offset"/> as <see cref="QuantGrid.Offset"/>) and
    /// the zero point and the levels are placed in an 8-bit container that holds both.
    /// </summary>
    /// <param name="scale">The step.</param>
    /// <param name="offsetSteps">The offset b in steps.</param>
    /// <param name="offset">The same offset in the input's units, as the float32 training adds.</param>
    /// <param name="codes">The integer levels before the offset.</param>
    /// <param name="approximation">What both forms compute differently from training, or null.</param>
    /// <param name="zeroPointApproximation">What only the zero-point form computes differently, or null.</param>
    /// <returns>The grid, or null when no 8-bit container holds the levels and the zero point.</returns>
    public static QuantGrid? Shifted(
        float scale, double offsetSteps, float offset, IntegerRange codes, string? approximation, string? zeroPointApproximation = null)
    {
        long b = (long)Math.Round(offsetSteps, MidpointRounding.ToEven);
        double shift = offsetSteps - b;
        foreach (IntegerRange container in (IntegerRange[])[IntegerRange.Of(8, signed: codes.Min < 0), IntegerRange.Of(8, signed: codes.Min >= 0)])
        {
            // q = c + b + z must lie in the container for every code, and so must z.
            long low = Math.Max(container.Min, container.Min - codes.Min - b), high = Math.Min(container.Max, container.Max - codes.Max - b);
            if (low <= high)
            {
                long z = Math.Clamp(-b, low, high);
                string? both = approximation;
                string? zeroPointForm = zeroPointApproximation is null ? both : both is null ? zeroPointApproximation : $"{zeroPointApproximation}; {both}";
                string? note = shift == 0 ? zeroPointForm
                    : $"the offset of {offsetSteps:G6} steps is rounded to the integer zero point's {b}, so the grid moves by {shift:+0.###;-0.###} steps"
                      + (zeroPointForm is null ? "" : $"; {zeroPointForm}");
                GridOffset? exact = shift == 0 ? null : new GridOffset(offset, codes, both);
                return new QuantGrid([scale], (int)z, new IntegerRange((int)(codes.Min + b + z), (int)(codes.Max + b + z)), null, note, exact);
            }
        }

        return null;
    }

    /// <summary>The values of a small state tensor on any device, as float32 (export reads them on the host).</summary>
    public static float[] Floats(Tensor state)
    {
        using Tensor values = state.detach().to(ScalarType.Float32).cpu().contiguous();
        return values.data<float>().ToArray();
    }

    /// <summary>Integer levels held in a float tensor, row-major.</summary>
    public static int[] Codes(Tensor levels)
    {
        using Tensor asInt = levels.to(ScalarType.Int32).cpu().contiguous();
        return asInt.data<int>().ToArray();
    }

    /// <summary><c>[-1, 1, 1, ...]</c>: a per-channel state broadcast along dimension 0 of <paramref name="x"/>.</summary>
    public static long[] ChannelShape(Tensor x)
    {
        var shape = new long[x.dim()];
        Array.Fill(shape, 1L);
        shape[0] = -1;
        return shape;
    }
}
