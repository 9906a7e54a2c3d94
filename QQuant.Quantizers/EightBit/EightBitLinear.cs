using QQuant;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// The Python reference's <c>EightBitQuantLinear</c>, fixed (the reference crashes when it quantizes the input): a <see cref="Linear"/> whose weight (and, unless
/// <see cref="QuantLayerOptions.QuantizeInput"/> is false, input) goes through a <see cref="MaxAbsQuantizer"/>. Meant
/// for the first and last layers of a low-bit network; any width from 2 to 8 bits works. Honours
/// <see cref="QuantLayerOptions.PerChannelWeights"/>. The input goes through a <see cref="RunningMaxAbsQuantizer"/>
/// (a running maximum tracked in training, fixed in evaluation, <see cref="EightBitOptions.InputMomentum"/>); its grid is
/// unsigned when <c>ActivationSign</c> says so, or for <c>Auto</c> when the initialisation data has no negative value.
/// </summary>
public sealed class EightBitLinear : QuantizedLinear, IQuantizedLayer<EightBitLinear>
{
    /// <summary>Builds the layer from a float linear layer.</summary>
    public EightBitLinear(Linear source, QuantLayerSettings settings)
        : base(
            nameof(EightBitLinear),
            source,
            settings,
            () => EightBitQuantizers.ForWeight(settings),
            () => EightBitQuantizers.ForInput(settings))
    {
    }

    /// <inheritdoc />
    public static IReadOnlyList<Type> ConvertsFrom { get; } = [typeof(Linear)];

    /// <inheritdoc />
    public static EightBitLinear FromFloat(nn.Module<Tensor, Tensor> source, QuantLayerSettings settings) =>
        new((Linear)source, settings);

    /// <inheritdoc />
    public static QuantLayerOptions CreateOptions() => new EightBitOptions();

    /// <inheritdoc />
    public static IEnumerable<string> ValidateSettings(QuantLayerSettings settings) =>
        EightBitQuantizers.Validate(nameof(EightBitLinear), settings);
}
