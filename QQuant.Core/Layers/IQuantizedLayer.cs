using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// A layer that replaced a float module for quantization-aware training: it owns the float module's
/// <c>weight</c>/<c>bias</c> under the same names plus a weight quantizer and an input quantizer.
/// </summary>
/// <remarks>
/// To make a layer usable in a policy, also implement <see cref="IQuantizedLayer{TSelf}"/>, which says which float
/// modules it converts and how it is built from one.
/// </remarks>
public interface IQuantizedLayer
{
    /// <summary>The quantizer applied to the weight before the float operation.</summary>
    IQuantizer WeightQuantizer { get; }

    /// <summary>The quantizer applied to the layer's input (an <see cref="IdentityQuantizer"/> when it is not quantized).</summary>
    IQuantizer InputQuantizer { get; }

    /// <summary>The settings (bits and options) the layer was built with.</summary>
    QuantLayerSettings Settings { get; }

    /// <summary>
    /// The fake-quantized weight the layer would use in a forward pass now, detached from autograd. The caller owns
    /// (and disposes) the returned tensor.
    /// </summary>
    Tensor QuantizedWeight();
}
