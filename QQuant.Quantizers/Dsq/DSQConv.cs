using QQuant;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// A convolution with differentiable soft quantization (DSQ): weight and input go through <see cref="DsqQuantizer"/>s with learnable bounds and α (one per tensor). Converts <see cref="Conv2d"/>.
/// </summary>
public sealed class DSQConv : QuantizedConv2d, IQuantizedLayer<DSQConv>
{
    /// <summary>Builds the layer from a float conv2d module.</summary>
    public DSQConv(Conv2d source, QuantLayerSettings settings)
        : base(nameof(DSQConv), source, settings, () => DsqLayers.ForWeight(settings, source.out_channels), () => DsqLayers.ForInput(settings))
    {
    }

    /// <inheritdoc />
    public static IReadOnlyList<Type> ConvertsFrom { get; } = [typeof(Conv2d)];

    /// <inheritdoc />
    public static DSQConv FromFloat(nn.Module<Tensor, Tensor> source, QuantLayerSettings settings) =>
        new((Conv2d)source, settings);

    /// <inheritdoc />
    public static QuantLayerOptions CreateOptions() => new DsqOptions();

    /// <inheritdoc />
    public static IEnumerable<string> ValidateSettings(QuantLayerSettings settings) =>
        DsqLayers.Validate(nameof(DSQConv), settings);
}
