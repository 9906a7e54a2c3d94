using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers;

/// <summary>Small helpers for the quantizer tests: float64 vectors in, double arrays out, element-wise comparisons.</summary>
internal static class TensorAssert
{
    /// <summary>A float64 vector.</summary>
    public static Tensor Vector(params double[] values) => tensor(values, dtype: float64);

    /// <summary>
    /// A post-ReLU activation's shape for the MSE-start tests: 990 exponential quantiles (scale 0.3, moved by
    /// <paramref name="shift"/>) plus 10 outliers 2.5, 2.75, ..., 4.75.
    /// </summary>
    public static double[] Skewed(double shift = 0) =>
    [
        .. Enumerable.Range(0, 990).Select(i => (-0.3 * Math.Log(1 - ((i + 0.5) / 990))) + shift),
        .. Enumerable.Range(0, 10).Select(j => 2.5 + (0.25 * j)),
    ];

    /// <summary>A float64 tensor of the given shape, filled row-major.</summary>
    public static Tensor Matrix(long[] shape, params double[] values) => tensor(values, dtype: float64).reshape(shape);

    /// <summary>The values of a float64 tensor, row-major (detached, on the CPU).</summary>
    public static double[] Values(Tensor t)
    {
        using Tensor flat = t.detach().cpu().to_type(float64).contiguous().flatten();
        return flat.data<double>().ToArray();
    }

    /// <summary>Every element of <paramref name="actual"/> is within <paramref name="tolerance"/> of <paramref name="expected"/>.</summary>
    public static void Close(double[] expected, Tensor actual, double tolerance = 1e-12)
    {
        double[] values = Values(actual);
        Assert.Equal(expected.Length, values.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(
                Math.Abs(expected[i] - values[i]) <= tolerance,
                $"element {i}: expected {expected[i]:R}, got {values[i]:R}; all: [{string.Join(", ", values.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}]");
        }
    }

    /// <summary>Same shape and every element within <paramref name="tolerance"/>.</summary>
    public static void Close(Tensor expected, Tensor actual, double tolerance = 1e-12)
    {
        Assert.Equal(expected.shape, actual.shape);
        Close(Values(expected), actual, tolerance);
    }

    /// <summary>Same shape, same dtype and bit-for-bit the same values.</summary>
    public static void Identical(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        Assert.Equal(expected.dtype, actual.dtype);
        if (!expected.eq(actual).all().ToBoolean())
        {
            Assert.Fail($"tensors differ; max |diff| = {(expected - actual).abs().max().ToDouble():R}");
        }
    }

    /// <summary>All values finite.</summary>
    public static void Finite(Tensor t) => Assert.True(Values(t).All(double.IsFinite), "a value is NaN or infinite");
}
