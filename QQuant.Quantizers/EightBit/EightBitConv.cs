using QQuant;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// The Python reference's <c>EightBitQuantConv</c>, fixed: a <see cref="Conv2d"/> whose weight (and, unless
/// <see cref="QuantLayerOptions.QuantizeInput"/> is false, input) goes through a <see cref="MaxAbsQuantizer"/>. Meant
/// for the first and last layers of a low-bit network; any width from 2 to 8 bits works. Honours
/// <see cref="QuantLayerOptions.PerChannelWeights"/>. The input goes through a <see cref="RunningMaxAbsQuantizer"/>
/// (a running maximum tracked in training, fixed in evaluation, <see cref="EightBitOptions.InputMomentum"/>); its grid is
/// unsigned when <c>ActivationSign</c> says so, or for <c>Auto</c> when the initialisation data has no negative value.
/// </summary>
public sealed class EightBitConv : QuantizedConv2d, IQuantizedLayer<EightBitConv>
{
    /// <summary>Builds the layer from a float convolution.</summary>
    public EightBitConv(Conv2d source, QuantLayerSettings settings)
        : base(
            nameof(EightBitConv),
            source,
            settings,
            () => EightBitQuantizers.ForWeight(settings),
            () => EightBitQuantizers.ForInput(settings))
    {
    }

    /// <inheritdoc />
    public static IReadOnlyList<Type> ConvertsFrom { get; } = [typeof(Conv2d)];

    /// <inheritdoc />
    public static EightBitConv FromFloat(nn.Module<Tensor, Tensor> source, QuantLayerSettings settings) =>
        new((Conv2d)source, settings);

    /// <inheritdoc />
    public static QuantLayerOptions CreateOptions() => new EightBitOptions();

    /// <inheritdoc />
    public static IEnumerable<string> ValidateSettings(QuantLayerSettings settings) =>
        EightBitQuantizers.Validate(nameof(EightBitConv), settings);
}
