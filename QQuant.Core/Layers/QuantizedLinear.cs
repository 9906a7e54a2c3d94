using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// A fully connected layer whose weight and input pass through quantizers: the base of every quantized linear
/// layer. It copies the float <see cref="Linear"/>'s weight and bias.
/// </summary>
public abstract class QuantizedLinear : QuantizedLayer
{
    /// <summary>Builds the layer from <paramref name="source"/>; see <see cref="QuantizedLayer"/> for the tensors.</summary>
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
