using System.Numerics;
using System.Runtime.CompilerServices;
using static TorchSharp.torch;

namespace QQuant.Quantizers.Kernels;

/// <summary>
/// LSQ's fake quantization <c>round(clamp(x / s, lo, hi)) · s</c> and its gradients, each one pass over contiguous
/// CPU float32 memory with SIMD, in parallel pieces; the step's gradient is reduced in the same pass as the input's.
/// </summary>
/// <remarks>
/// The forward computes exactly what the composed TorchSharp ops compute (the same float32 division, clamp, round
/// half to even and product), so both agree bit for bit. The gradients are the same formulas; the input's is
/// <c>g</c> where <c>lo ≤ x/s ≤ hi</c> (the composed graph gives <c>(g·s)/s</c>, within an ulp), and the step's
/// sum is accumulated per block in float32 and across blocks in float64, so it differs from TorchSharp's reduction
/// only in summation order.
/// </remarks>
internal static unsafe class LsqKernel
{
    /// <summary>Elements whose step-gradient terms are summed in float32 before they join the float64 total.</summary>
    private const int Block = 4096;

    /// <summary>Writes the fake-quantized <paramref name="x"/> to <paramref name="y"/>; row r uses step <paramref name="steps"/>[r].</summary>
    public static void Forward(Tensor x, Tensor y, long rows, float[] steps, float lo, float hi)
    {
        nint input = (nint)CpuFloats.Pointer(x), output = (nint)CpuFloats.Pointer(y);
        long columns = x.numel() / rows;
        ParallelRows.For(rows, columns, ParallelRows.Pieces(x.numel()), (_, row, start, end) =>
            Forward((float*)input + start, (float*)output + start, end - start, steps[row], lo, hi));
    }

    /// <summary>
    /// Writes the input's gradient to <paramref name="inputGradient"/> (skipped when null) and returns the step's raw
    /// gradient per row, <c>Σ g·(round(x/s) − x/s)</c> inside the range, <c>Σ g·lo</c> below and <c>Σ g·hi</c> above.
    /// </summary>
    public static double[] Backward(Tensor x, Tensor gradient, Tensor? inputGradient, long rows, float[] steps, float lo, float hi)
    {
        nint input = (nint)CpuFloats.Pointer(x), g = (nint)CpuFloats.Pointer(gradient);
        nint gx = inputGradient is null ? 0 : (nint)CpuFloats.Pointer(inputGradient);
        long columns = x.numel() / rows;
        int pieces = ParallelRows.Pieces(x.numel());
        var partial = new double[pieces * rows];
        ParallelRows.For(rows, columns, pieces, (piece, row, start, end) =>
            partial[(piece * rows) + row] += Backward(
                (float*)input + start, (float*)g + start, gx == 0 ? null : (float*)gx + start, end - start, steps[row], lo, hi));
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
    private static void Forward(float* x, float* y, long n, float s, float lo, float hi)
    {
        var step = new Vector<float>(s);
        var min = new Vector<float>(lo);
        var max = new Vector<float>(hi);
        int width = Vector<float>.Count;
        long i = 0;
        for (; i <= n - width; i += width)
        {
            Vector<float> v = Vector.Min(Vector.Max(Vector.Load(x + i) / step, min), max);
            Vector.Store(Vector.Round(v) * step, y + i);
        }

        for (; i < n; i++)
        {
            y[i] = MathF.Round(Math.Clamp(x[i] / s, lo, hi), MidpointRounding.ToEven) * s;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Backward(float* x, float* g, float* gx, long n, float s, float lo, float hi)
    {
        var step = new Vector<float>(s);
        var min = new Vector<float>(lo);
        var max = new Vector<float>(hi);
        int width = Vector<float>.Count;
        double total = 0;
        for (long blockStart = 0; blockStart < n; blockStart += Block)
        {
            long blockEnd = Math.Min(n, blockStart + Block);
            Vector<float> sum = Vector<float>.Zero;
            long i = blockStart;
            for (; i <= blockEnd - width; i += width)
            {
                Vector<float> v = Vector.Load(x + i) / step;
                Vector<float> grad = Vector.Load(g + i);
                Vector<int> below = Vector.LessThan(v, min);
                Vector<int> inside = Vector.AndNot(Vector.LessThanOrEqual(v, max), below);
                Vector<float> outside = Vector.ConditionalSelect(below, min, max);
                sum += grad * Vector.ConditionalSelect(inside, Vector.Round(v) - v, outside);
                if (gx is not null)
                {
                    Vector.Store(Vector.ConditionalSelect(inside, grad, Vector<float>.Zero), gx + i);
                }
            }

            float tail = 0;
            for (; i < blockEnd; i++)
            {
                float v = x[i] / s;
                bool inside = v >= lo && v <= hi;
                tail += g[i] * (inside ? MathF.Round(v, MidpointRounding.ToEven) - v : v < lo ? lo : hi);
                if (gx is not null)
                {
                    gx[i] = inside ? g[i] : 0;
                }
            }

            total += Vector.Sum(sum) + tail;
        }

        return total;
    }
}
