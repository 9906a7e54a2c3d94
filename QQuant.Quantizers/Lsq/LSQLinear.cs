using QQuant;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// A fully connected layer with learned step size quantization (LSQ): weight and input go through <see cref="LsqQuantizer"/>s (signed per-tensor or per-channel steps for the weight). Converts <see cref="Linear"/>.
/// </summary>
public sealed class LSQLinear : QuantizedLinear, IQuantizedLayer<LSQLinear>
{
    /// <summary>Builds the layer from a float linear module.</summary>
    public LSQLinear(Linear source, QuantLayerSettings settings)
        : base(nameof(LSQLinear), source, settings, () => LsqLayers.ForWeight(settings, source.out_features), () => LsqLayers.ForInput(settings))
    {
    }

    /// <inheritdoc />
    public static IReadOnlyList<Type> ConvertsFrom { get; } = [typeof(Linear)];

    /// <inheritdoc />
    public static LSQLinear FromFloat(nn.Module<Tensor, Tensor> source, QuantLayerSettings settings) =>
        new((Linear)source, settings);

    /// <inheritdoc />
    public static QuantLayerOptions CreateOptions() => new LsqOptions();

    /// <inheritdoc />
    public static IEnumerable<string> ValidateSettings(QuantLayerSettings settings) =>
        LsqLayers.Validate(nameof(LSQLinear), settings);
}
