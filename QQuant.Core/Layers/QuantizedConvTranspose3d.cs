using TorchSharp.Modules;

namespace QQuant;

/// <summary>A 3-D transposed convolution whose weight and input pass through quantizers (see <see cref="QuantizedConvolution"/>).</summary>
public class QuantizedConvTranspose3d : QuantizedConvolution
{
    /// <summary>Builds the layer from <paramref name="source"/> with <paramref name="scheme"/>'s quantizers.</summary>
    /// <param name="source">The float convolution; its tensors are copied, never aliased.</param>
    /// <param name="scheme">Builds the weight and input quantizers.</param>
    /// <param name="settings">Bits and options.</param>
    /// <param name="name">The module name TorchSharp reports; null for the scheme's layer name.</param>
    public QuantizedConvTranspose3d(ConvTranspose3d source, QuantScheme scheme, QuantLayerSettings settings, string? name = null)
        : base(source, scheme, settings, name)
    {
    }
}
