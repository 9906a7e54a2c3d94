using QQuant;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// A fully connected layer with differentiable soft quantization (DSQ): weight and input go through <see cref="DsqQuantizer"/>s with learnable bounds and α (one per tensor). Converts <see cref="Linear"/>.
/// </summary>
public sealed class DSQLinear : QuantizedLinear, IQuantizedLayer<DSQLinear>
{
    /// <summary>Builds the layer from a float linear module.</summary>
    public DSQLinear(Linear source, QuantLayerSettings settings)
        : base(nameof(DSQLinear), source, settings, () => DsqLayers.ForWeight(settings, source.out_features), () => DsqLayers.ForInput(settings))
    {
    }

    /// <inheritdoc />
    public static IReadOnlyList<Type> ConvertsFrom { get; } = [typeof(Linear)];

    /// <inheritdoc />
    public static DSQLinear FromFloat(nn.Module<Tensor, Tensor> source, QuantLayerSettings settings) =>
        new((Linear)source, settings);

    /// <inheritdoc />
    public static QuantLayerOptions CreateOptions() => new DsqOptions();

    /// <inheritdoc />
    public static IEnumerable<string> ValidateSettings(QuantLayerSettings settings) =>
        DsqLayers.Validate(nameof(DSQLinear), settings);
}
