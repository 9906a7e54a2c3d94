using QQuant;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// A fully connected layer with LSQ+: the weight goes through a symmetric <see cref="LsqPlusQuantizer"/> (per tensor or per channel), the input through one with a learned offset. Converts <see cref="Linear"/>.
/// </summary>
public sealed class LSQPlusLinear : QuantizedLinear, IQuantizedLayer<LSQPlusLinear>
{
    /// <summary>Builds the layer from a float linear module.</summary>
    public LSQPlusLinear(Linear source, QuantLayerSettings settings)
        : base(nameof(LSQPlusLinear), source, settings, () => LsqPlusLayers.ForWeight(settings, source.out_features), () => LsqPlusLayers.ForInput(settings))
    {
    }

    /// <inheritdoc />
    public static IReadOnlyList<Type> ConvertsFrom { get; } = [typeof(Linear)];

    /// <inheritdoc />
    public static LSQPlusLinear FromFloat(nn.Module<Tensor, Tensor> source, QuantLayerSettings settings) =>
        new((Linear)source, settings);

    /// <inheritdoc />
    public static QuantLayerOptions CreateOptions() => new LsqPlusOptions();

    /// <inheritdoc />
    public static IEnumerable<string> ValidateSettings(QuantLayerSettings settings) =>
        LsqPlusLayers.Validate(nameof(LSQPlusLinear), settings);
}
