using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// A fully connected layer whose weight and input pass through quantizers. It copies the float
/// <see cref="Linear"/>'s weight and bias.
/// </summary>
public class QuantizedLinear : QuantizedLayer
{
    /// <summary>Builds the layer from <paramref name="source"/> with <paramref name="scheme"/>'s quantizers.</summary>
    /// <param name="source">The float layer; its tensors are copied, never aliased.</param>
    /// <param name="scheme">Builds the weight and input quantizers.</param>
    /// <param name="settings">Bits and options.</param>
    /// <param name="name">The module name TorchSharp reports; null for the scheme's layer name (<c>LSQLinear</c>).</param>
    public QuantizedLinear(Linear source, QuantScheme scheme, QuantLayerSettings settings, string? name = null)
        : base(name ?? scheme.LayerName(typeof(Linear)), source.weight, source.bias, settings, scheme)
    {
        InFeatures = source.in_features;
        OutFeatures = source.out_features;
    }

    /// <summary>Builds the layer from <paramref name="source"/> with quantizers of your own; see <see cref="QuantizedLayer"/>.</summary>
    protected QuantizedLinear(
        string name,
        Linear source,
        QuantLayerSettings settings,
        Func<Quantizer> weightQuantizer,
        Func<Quantizer> inputQuantizer)
        : base(name, source.weight, source.bias, settings, weightQuantizer, inputQuantizer)
    {
        InFeatures = source.in_features;
        OutFeatures = source.out_features;
    }

    /// <summary>Input features.</summary>
    public long InFeatures { get; }

    /// <summary>Output features.</summary>
    public long OutFeatures { get; }

    /// <inheritdoc />
    protected override Tensor Compute(Tensor input, Tensor weight, Tensor? bias) =>
        nn.functional.linear(input, weight, bias);
}
