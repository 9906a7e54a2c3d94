namespace QQuant.Quantizers;

/// <summary>
/// A quantizer with a fused CPU kernel (one SIMD pass forward, one backward) for contiguous float32 CPU tensors.
/// Other tensors (CUDA, other dtypes, non-contiguous) always take the composed TorchSharp path, the reference
/// implementation the fused kernel is tested against.
/// </summary>
public interface IFusedQuantizer
{
    /// <summary>Use the fused kernel where it applies (the default); false forces the composed path everywhere.</summary>
    bool UseFusedKernel { get; set; }

    /// <summary>Whether quantizing <paramref name="input"/> now runs the fused kernel.</summary>
    bool FusesFor(TorchSharp.torch.Tensor input);
}
