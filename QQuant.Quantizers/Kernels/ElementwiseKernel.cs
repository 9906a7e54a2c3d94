using System.Numerics;
using System.Runtime.CompilerServices;
using static TorchSharp.torch;

namespace QQuant.Quantizers.Kernels;

/// <summary>
/// Runs an <see cref="IElementRule"/> over a contiguous CPU float32 tensor seen as rows (one rule per row): the
/// forward in one pass, and the backward in one pass that writes the input's gradient and reduces the per-row sums
/// of the learned parameters' gradients; in parallel pieces (<see cref="ParallelRows"/>) with SIMD.
/// </summary>
/// <remarks>
/// The sums are accumulated per block of <see cref="Block"/> elements in float32 SIMD lanes and across blocks in
/// float64, so they differ from TorchSharp's reductions of the composed path only in summation order.
/// </remarks>
internal static unsafe class ElementwiseKernel
{
    /// <summary>Elements whose terms are summed in float32 before they join the float64 totals.</summary>
    private const int Block = 4096;

    /// <summary>A new tensor like <paramref name="x"/> holding <paramref name="rules"/>[row]'s forward of each row.</summary>
    public static Tensor Forward<TRule>(Tensor x, TRule[] rules)
        where TRule : struct, IElementRule
    {
        Tensor y = empty_like(x);
        nint input = (nint)CpuFloats.Pointer(x), output = (nint)CpuFloats.Pointer(y);
        long rows = rules.Length, columns = x.numel() / rows;
        ParallelRows.For(rows, columns, ParallelRows.Pieces(x.numel()), (_, row, start, end) =>
            Forward(rules[row], (float*)input + start, (float*)output + start, end - start));
        return y;
    }

    /// <summary>
    /// Writes the input's gradient to <paramref name="inputGradient"/> (skipped when null) and returns the three
    /// per-row sums of the rules' parameter terms, as <c>sums[term][row]</c>.
    /// </summary>
    public static double[][] Backward<TRule>(Tensor x, Tensor gradient, Tensor? inputGradient, TRule[] rules)
        where TRule : struct, IElementRule
    {
        nint input = (nint)CpuFloats.Pointer(x), g = (nint)CpuFloats.Pointer(gradient);
        nint gx = inputGradient is null ? 0 : (nint)CpuFloats.Pointer(inputGradient);
        long rows = rules.Length, columns = x.numel() / rows;
        int pieces = ParallelRows.Pieces(x.numel());
        double[][] partial = [new double[pieces * rows], new double[pieces * rows], new double[pieces * rows]];
        ParallelRows.For(rows, columns, pieces, (piece, row, start, end) =>
        {
            (double a, double b, double c) = Backward(rules[row], (float*)input + start, (float*)g + start, gx == 0 ? null : (float*)gx + start, end - start);
            long slot = (piece * rows) + row;
            partial[0][slot] += a;
            partial[1][slot] += b;
            partial[2][slot] += c;
        });
        return [.. partial.Select(p => SumPieces(p, pieces, rows))];
    }

    /// <summary>
    /// The largest magnitude of each row of <paramref name="x"/> (of <c>max(x, 0)</c> when
    /// <paramref name="positivePart"/>), in one parallel pass; NaN when a row holds a NaN, as torch's amax.
    /// </summary>
    public static float[] MaxAbs(Tensor x, long rows, bool positivePart)
    {
        nint input = (nint)CpuFloats.Pointer(x);
        long columns = x.numel() / rows;
        int pieces = ParallelRows.Pieces(x.numel());
        var partial = new float[pieces * rows];
        ParallelRows.For(rows, columns, pieces, (piece, row, start, end) =>
        {
            ref float slot = ref partial[(piece * rows) + row];
            slot = MathF.Max(slot, MaxAbs((float*)input + start, end - start, positivePart));
        });
        var maxima = new float[rows];
        for (int piece = 0; piece < pieces; piece++)
        {
            for (long row = 0; row < rows; row++)
            {
                maxima[row] = MathF.Max(maxima[row], partial[(piece * rows) + row]);
            }
        }

        return maxima;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float MaxAbs(float* x, long n, bool positivePart)
    {
        int width = Vector<float>.Count;
        Vector<float> best = Vector<float>.Zero;
        long i = 0;
        for (; i <= n - width; i += width)
        {
            Vector<float> v = Vector.Load(x + i);
            best = Vector.Max(best, positivePart ? v : Vector.Abs(v));
        }

        float result = 0;
        for (int lane = 0; lane < width; lane++)
        {
            result = MathF.Max(result, best[lane]);
        }

        for (; i < n; i++)
        {
            result = MathF.Max(result, positivePart ? x[i] : MathF.Abs(x[i]));
        }

        return result;
    }

    private static double[] SumPieces(double[] partial, int pieces, long rows)
    {
        var sums = new double[rows];
        for (int piece = 0; piece < pieces; piece++)
        {
            for (long row = 0; row < rows; row++)
            {
                sums[row] += partial[(piece * rows) + row];
            }
        }

        return sums;
    }

    // Fully optimised from the first call: tier-0 code runs SIMD loops many times slower, for the first dozens of calls.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward<TRule>(TRule rule, float* x, float* y, long n)
        where TRule : struct, IElementRule
    {
        int width = Vector<float>.Count;
        long i = 0;
        for (; i <= n - width; i += width)
        {
            Vector.Store(rule.Forward(Vector.Load(x + i)), y + i);
        }

        for (; i < n; i++)
        {
            y[i] = rule.Forward(x[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (double First, double Second, double Third) Backward<TRule>(TRule rule, float* x, float* g, float* gx, long n)
        where TRule : struct, IElementRule
    {
        int width = Vector<float>.Count;
        double first = 0, second = 0, third = 0;
        for (long blockStart = 0; blockStart < n; blockStart += Block)
        {
            long blockEnd = Math.Min(n, blockStart + Block);
            Vector<float> a = Vector<float>.Zero, b = Vector<float>.Zero, c = Vector<float>.Zero;
            long i = blockStart;
            for (; i <= blockEnd - width; i += width)
            {
                (Vector<float> grad, Vector<float> termA, Vector<float> termB, Vector<float> termC) = rule.Backward(Vector.Load(x + i), Vector.Load(g + i));
                a += termA;
                b += termB;
                c += termC;
                if (gx is not null)
                {
                    Vector.Store(grad, gx + i);
                }
            }

            float tailA = 0, tailB = 0, tailC = 0;
            for (; i < blockEnd; i++)
            {
                (float grad, float termA, float termB, float termC) = rule.Backward(x[i], g[i]);
                tailA += termA;
                tailB += termB;
                tailC += termC;
                if (gx is not null)
                {
                    gx[i] = grad;
                }
            }

            first += Vector.Sum(a) + tailA;
            second += Vector.Sum(b) + tailB;
            third += Vector.Sum(c) + tailC;
        }

        return (first, second, third);
    }
}
