using QQuant;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// A convolution with PACT: the input goes through a <see cref="PactQuantizer"/> with a learned clipping level, the weight through DoReFa's <see cref="DoReFaWeightQuantizer"/> as in the PACT paper. Converts <see cref="Conv2d"/>.
/// </summary>
public sealed class PACTConv : QuantizedConv2d, IQuantizedLayer<PACTConv>
{
    /// <summary>Builds the layer from a float conv2d module.</summary>
    public PACTConv(Conv2d source, QuantLayerSettings settings)
        : base(nameof(PACTConv), source, settings, () => PactLayers.ForWeight(settings, source.out_channels), () => PactLayers.ForInput(settings))
    {
    }

    /// <inheritdoc />
    public static IReadOnlyList<Type> ConvertsFrom { get; } = [typeof(Conv2d)];

    /// <inheritdoc />
    public static PACTConv FromFloat(nn.Module<Tensor, Tensor> source, QuantLayerSettings settings) =>
        new((Conv2d)source, settings);

    /// <inheritdoc />
    public static QuantLayerOptions CreateOptions() => new ClipOptions();

    /// <inheritdoc />
    public static IEnumerable<string> ValidateSettings(QuantLayerSettings settings) =>
        PactLayers.Validate(nameof(PACTConv), settings);
}
