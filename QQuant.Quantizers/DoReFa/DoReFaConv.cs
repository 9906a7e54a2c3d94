using QQuant;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// A convolution with DoReFa-Net: the weight goes through a <see cref="DoReFaWeightQuantizer"/> (per tensor or per channel), the input through a <see cref="DoReFaActivationQuantizer"/>. Converts <see cref="Conv2d"/>.
/// </summary>
public sealed class DoReFaConv : QuantizedConv2d, IQuantizedLayer<DoReFaConv>
{
    /// <summary>Builds the layer from a float conv2d module.</summary>
    public DoReFaConv(Conv2d source, QuantLayerSettings settings)
        : base(nameof(DoReFaConv), source, settings, () => DoReFaLayers.ForWeight(settings, source.out_channels), () => DoReFaLayers.ForInput(settings))
    {
    }

    /// <inheritdoc />
    public static IReadOnlyList<Type> ConvertsFrom { get; } = [typeof(Conv2d)];

    /// <inheritdoc />
    public static DoReFaConv FromFloat(nn.Module<Tensor, Tensor> source, QuantLayerSettings settings) =>
        new((Conv2d)source, settings);

    /// <inheritdoc />
    public static IEnumerable<string> ValidateSettings(QuantLayerSettings settings) =>
        DoReFaLayers.Validate(nameof(DoReFaConv), settings);
}
