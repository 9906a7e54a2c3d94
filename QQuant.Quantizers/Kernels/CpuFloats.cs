using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Quantizers.Kernels;

/// <summary>
/// Which tensors the fused kernels take (contiguous float32 on the CPU; everything else goes through the composed
/// TorchSharp path) and the raw pointer to their elements.
/// </summary>
internal static class CpuFloats
{
    /// <summary>True when <paramref name="x"/> is a non-empty, contiguous float32 tensor on the CPU.</summary>
    public static bool Accepts(Tensor x) =>
        x.device_type == DeviceType.CPU && x.dtype == ScalarType.Float32 && x.numel() > 0 && x.is_contiguous();

    /// <summary>The address of the first element of a tensor <see cref="Accepts"/> takes.</summary>
    public static unsafe float* Pointer(Tensor x) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(x.bytes));

    /// <summary>The values of a small CPU tensor (a quantizer's steps), as floats.</summary>
    public static float[] Values(Tensor state)
    {
        using Tensor values = state.detach().to(float32).contiguous();
        return values.data<float>().ToArray();
    }
}
