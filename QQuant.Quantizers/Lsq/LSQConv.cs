using QQuant;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// A convolution with learned step size quantization (LSQ): weight and input go through <see cref="LsqQuantizer"/>s (signed per-tensor or per-channel steps for the weight). Converts <see cref="Conv2d"/>.
/// </summary>
public sealed class LSQConv : QuantizedConv2d, IQuantizedLayer<LSQConv>
{
    /// <summary>Builds the layer from a float conv2d module.</summary>
    public LSQConv(Conv2d source, QuantLayerSettings settings)
        : base(nameof(LSQConv), source, settings, () => LsqLayers.ForWeight(settings, source.out_channels), () => LsqLayers.ForInput(settings))
    {
    }

    /// <inheritdoc />
    public static IReadOnlyList<Type> ConvertsFrom { get; } = [typeof(Conv2d)];

    /// <inheritdoc />
    public static LSQConv FromFloat(nn.Module<Tensor, Tensor> source, QuantLayerSettings settings) =>
        new((Conv2d)source, settings);

    /// <inheritdoc />
    public static QuantLayerOptions CreateOptions() => new LsqOptions();

    /// <inheritdoc />
    public static IEnumerable<string> ValidateSettings(QuantLayerSettings settings) =>
        LsqLayers.Validate(nameof(LSQConv), settings);
}
