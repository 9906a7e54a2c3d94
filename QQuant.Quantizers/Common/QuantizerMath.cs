using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>Small pieces the quantizers share.</summary>
internal static class QuantizerMath
{
    /// <summary>The smallest step or clip a learned parameter is allowed to act with.</summary>
    public const double MinimumScale = 1e-8;

    /// <summary>
    /// The value a learned scale acts with: <c>max(|p|, 1e−8)</c>. A step the optimiser pushed below zero keeps working
    /// (and can come back) instead of flipping the grid or dividing by zero.
    /// </summary>
    public static Tensor Positive(Tensor p)
    {
        using Tensor magnitude = p.abs();
        return magnitude.clamp_min(MinimumScale);
    }

    /// <summary>
    /// Replaces zeros (a tensor or channel with nothing but zeros, a scale or spread computed from one) by 1, a neutral
    /// positive divisor; the inputs are magnitudes, so nothing is negative.
    /// </summary>
    public static Tensor OneWhereZero(Tensor value) => where(value > 0, value, ones_like(value));

    /// <summary>A learnable state tensor of <paramref name="channels"/> elements, each <paramref name="value"/>.</summary>
    public static Parameter State(long channels, double value) =>
        (Parameter)new Parameter(full(channels, value)).DetachFromDisposeScope();

    /// <summary>Reduces over every dimension but 0 (per channel) or over all of them (per tensor), keeping dimensions.</summary>
    public static Tensor AmaxAbs(Tensor x, bool perChannel)
    {
        using Tensor magnitude = x.abs();
        return perChannel && x.dim() > 1 ? magnitude.amax(OtherDimensions(x), keepdim: true) : magnitude.max();
    }

    /// <summary>Dimensions 1..n−1 of <paramref name="x"/>.</summary>
    public static long[] OtherDimensions(Tensor x) => [.. Enumerable.Range(1, (int)x.dim() - 1).Select(d => (long)d)];
}
