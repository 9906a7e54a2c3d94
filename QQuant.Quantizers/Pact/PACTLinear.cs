using QQuant;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// A fully connected layer with PACT: the input goes through a <see cref="PactQuantizer"/> with a learned clipping level, the weight through DoReFa's <see cref="DoReFaWeightQuantizer"/> as in the PACT paper. Converts <see cref="Linear"/>.
/// </summary>
public sealed class PACTLinear : QuantizedLinear, IQuantizedLayer<PACTLinear>
{
    /// <summary>Builds the layer from a float linear module.</summary>
    public PACTLinear(Linear source, QuantLayerSettings settings)
        : base(nameof(PACTLinear), source, settings, () => PactLayers.ForWeight(settings, source.out_features), () => PactLayers.ForInput(settings))
    {
    }

    /// <inheritdoc />
    public static IReadOnlyList<Type> ConvertsFrom { get; } = [typeof(Linear)];

    /// <inheritdoc />
    public static PACTLinear FromFloat(nn.Module<Tensor, Tensor> source, QuantLayerSettings settings) =>
        new((Linear)source, settings);

    /// <inheritdoc />
    public static QuantLayerOptions CreateOptions() => new ClipOptions();

    /// <inheritdoc />
    public static IEnumerable<string> ValidateSettings(QuantLayerSettings settings) =>
        PactLayers.Validate(nameof(PACTLinear), settings);
}
