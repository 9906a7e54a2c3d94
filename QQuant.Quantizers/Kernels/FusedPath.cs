using static TorchSharp.torch;

namespace QQuant.Quantizers.Kernels;

/// <summary>When a quantizer's fused kernel applies to its input and state.</summary>
internal static class FusedPath
{
    /// <summary>
    /// True when <paramref name="input"/> is a tensor <see cref="CpuFloats.Accepts"/> takes and <paramref name="state"/>
    /// (a step, scale or clip: one value, or one per slice of dimension 0) lines up with it.
    /// </summary>
    public static bool Accepts(Tensor input, Tensor state) =>
        CpuFloats.Accepts(input)
        && state.device_type == input.device_type
        && (state.numel() == 1 || (input.dim() >= 2 && input.shape[0] == state.numel()));
}
