using QQuant;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// A fully connected layer with additive powers-of-two quantization (APoT): weight (standardised) and input go through <see cref="APoTQuantizer"/>s with learned clipping levels; <see cref="APoTOptions.PowerOfTwo"/> false gives the uniform grid. Converts <see cref="Linear"/>.
/// </summary>
public sealed class APoTLinear : QuantizedLinear, IQuantizedLayer<APoTLinear>
{
    /// <summary>Builds the layer from a float linear module.</summary>
    public APoTLinear(Linear source, QuantLayerSettings settings)
        : base(nameof(APoTLinear), source, settings, () => APoTLayers.ForWeight(settings, source.out_features, APoTLayers.Grid(settings)), () => APoTLayers.ForInput(settings, APoTLayers.Grid(settings)))
    {
    }

    /// <inheritdoc />
    public static IReadOnlyList<Type> ConvertsFrom { get; } = [typeof(Linear)];

    /// <inheritdoc />
    public static APoTLinear FromFloat(nn.Module<Tensor, Tensor> source, QuantLayerSettings settings) =>
        new((Linear)source, settings);

    /// <inheritdoc />
    public static QuantLayerOptions CreateOptions() => new APoTOptions();

    /// <inheritdoc />
    public static IEnumerable<string> ValidateSettings(QuantLayerSettings settings) =>
        APoTLayers.Validate<APoTOptions>(nameof(APoTLinear), settings, APoTLayers.Grid(settings));
}
