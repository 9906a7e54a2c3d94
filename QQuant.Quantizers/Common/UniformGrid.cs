using QQuant;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>Bit-width checks and the gradient scale of the integer-grid quantizers (LSQ, LSQ+).</summary>
internal static class UniformGrid
{
    /// <summary>Throws unless <paramref name="bits"/> can hold the grid <paramref name="sign"/> asks for.</summary>
    public static void RequireBits(int bits, ActivationSign sign, string quantizer)
    {
        if (bits > 8 || (bits < 2 && sign != ActivationSign.Unsigned))
        {
            throw new ArgumentOutOfRangeException(
                nameof(bits), bits, $"{quantizer} takes 2..8 bits for a signed or Auto grid, 1..8 for an unsigned one.");
        }
    }

    /// <summary>
    /// <c>1/√(N·Qp)</c> with N the elements one step covers: a weight's elements (per channel when the step is per
    /// channel), or for an activation one sample's features (<paramref name="count"/> Sample) or the whole tensor's.
    /// </summary>
    public static double GradientScale(Tensor x, TensorRole role, long steps, IntegerRange range, GradientScaleCount count = GradientScaleCount.Sample)
    {
        long n = role == TensorRole.Weight
            ? x.numel() / Math.Max(steps, 1)
            : x.dim() > 1 && count == GradientScaleCount.Sample ? x.numel() / x.shape[0] : x.numel();
        return 1.0 / Math.Sqrt(Math.Max(n, 1) * (double)range.Max);
    }
}
