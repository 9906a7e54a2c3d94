using QQuant;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// A convolution with additive powers-of-two quantization (APoT): weight (standardised) and input go through <see cref="APoTQuantizer"/>s with learned clipping levels; <see cref="APoTOptions.PowerOfTwo"/> false gives the uniform grid. Converts <see cref="Conv2d"/>.
/// </summary>
public sealed class APoTConv : QuantizedConv2d, IQuantizedLayer<APoTConv>
{
    /// <summary>Builds the layer from a float conv2d module.</summary>
    public APoTConv(Conv2d source, QuantLayerSettings settings)
        : base(nameof(APoTConv), source, settings, () => APoTLayers.ForWeight(settings, source.out_channels, APoTLayers.Grid(settings)), () => APoTLayers.ForInput(settings, APoTLayers.Grid(settings)))
    {
    }

    /// <inheritdoc />
    public static IReadOnlyList<Type> ConvertsFrom { get; } = [typeof(Conv2d)];

    /// <inheritdoc />
    public static APoTConv FromFloat(nn.Module<Tensor, Tensor> source, QuantLayerSettings settings) =>
        new((Conv2d)source, settings);

    /// <inheritdoc />
    public static QuantLayerOptions CreateOptions() => new APoTOptions();

    /// <inheritdoc />
    public static IEnumerable<string> ValidateSettings(QuantLayerSettings settings) =>
        APoTLayers.Validate<APoTOptions>(nameof(APoTConv), settings, APoTLayers.Grid(settings));
}
