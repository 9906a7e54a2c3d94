using QQuant;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// A fully connected layer with DoReFa-Net: the weight goes through a <see cref="DoReFaWeightQuantizer"/> (per tensor or per channel), the input through a <see cref="DoReFaActivationQuantizer"/>. Converts <see cref="Linear"/>.
/// </summary>
public sealed class DoReFaLinear : QuantizedLinear, IQuantizedLayer<DoReFaLinear>
{
    /// <summary>Builds the layer from a float linear module.</summary>
    public DoReFaLinear(Linear source, QuantLayerSettings settings)
        : base(nameof(DoReFaLinear), source, settings, () => DoReFaLayers.ForWeight(settings, source.out_features), () => DoReFaLayers.ForInput(settings))
    {
    }

    /// <inheritdoc />
    public static IReadOnlyList<Type> ConvertsFrom { get; } = [typeof(Linear)];

    /// <inheritdoc />
    public static DoReFaLinear FromFloat(nn.Module<Tensor, Tensor> source, QuantLayerSettings settings) =>
        new((Linear)source, settings);

    /// <inheritdoc />
    public static IEnumerable<string> ValidateSettings(QuantLayerSettings settings) =>
        DoReFaLayers.Validate(nameof(DoReFaLinear), settings);
}
