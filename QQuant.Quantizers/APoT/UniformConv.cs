using QQuant;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// A convolution with uniform quantization with learned clipping (the reference's "UQ": the APoT layer with a uniform grid, <c>2^b − 1</c> steps for inputs): weight (standardised) and input go through <see cref="APoTQuantizer"/>s with <see cref="APoTGrid.Uniform"/>. Converts <see cref="Conv2d"/>.
/// </summary>
public sealed class UniformConv : QuantizedConv2d, IQuantizedLayer<UniformConv>
{
    /// <summary>Builds the layer from a float conv2d module.</summary>
    public UniformConv(Conv2d source, QuantLayerSettings settings)
        : base(nameof(UniformConv), source, settings, () => APoTLayers.ForWeight(settings, source.out_channels, APoTGrid.Uniform), () => APoTLayers.ForInput(settings, APoTGrid.Uniform))
    {
    }

    /// <inheritdoc />
    public static IReadOnlyList<Type> ConvertsFrom { get; } = [typeof(Conv2d)];

    /// <inheritdoc />
    public static UniformConv FromFloat(nn.Module<Tensor, Tensor> source, QuantLayerSettings settings) =>
        new((Conv2d)source, settings);

    /// <inheritdoc />
    public static QuantLayerOptions CreateOptions() => new ClipOptions();

    /// <inheritdoc />
    public static IEnumerable<string> ValidateSettings(QuantLayerSettings settings) =>
        APoTLayers.Validate<ClipOptions>(nameof(UniformConv), settings, APoTGrid.Uniform);
}
