using QQuant;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// A convolution with LSQ+: the weight goes through a symmetric <see cref="LsqPlusQuantizer"/> (per tensor or per channel), the input through one with a learned offset. Converts <see cref="Conv2d"/>.
/// </summary>
public sealed class LSQPlusConv : QuantizedConv2d, IQuantizedLayer<LSQPlusConv>
{
    /// <summary>Builds the layer from a float conv2d module.</summary>
    public LSQPlusConv(Conv2d source, QuantLayerSettings settings)
        : base(nameof(LSQPlusConv), source, settings, () => LsqPlusLayers.ForWeight(settings, source.out_channels), () => LsqPlusLayers.ForInput(settings))
    {
    }

    /// <inheritdoc />
    public static IReadOnlyList<Type> ConvertsFrom { get; } = [typeof(Conv2d)];

    /// <inheritdoc />
    public static LSQPlusConv FromFloat(nn.Module<Tensor, Tensor> source, QuantLayerSettings settings) =>
        new((Conv2d)source, settings);

    /// <inheritdoc />
    public static QuantLayerOptions CreateOptions() => new LsqPlusOptions();

    /// <inheritdoc />
    public static IEnumerable<string> ValidateSettings(QuantLayerSettings settings) =>
        LsqPlusLayers.Validate(nameof(LSQPlusConv), settings);
}
