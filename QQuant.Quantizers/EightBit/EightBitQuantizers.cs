using QQuant;

namespace QQuant.Quantizers;

/// <summary>The quantizers and setting checks shared by <see cref="EightBitConv"/> and <see cref="EightBitLinear"/>.</summary>
internal static class EightBitQuantizers
{
    public static Quantizer ForWeight(QuantLayerSettings settings) =>
        new MaxAbsQuantizer(settings.WeightBits, signed: true, perChannel: settings.Options.PerChannelWeights);

    public static Quantizer ForInput(QuantLayerSettings settings) =>
        new RunningMaxAbsQuantizer(
            settings.ActivationBits, settings.Options.ActivationSign, LayerRules.Options<EightBitOptions>(settings).InputMomentum);

    public static IEnumerable<string> Validate(string layer, QuantLayerSettings settings) =>
        LayerRules.Validate<EightBitOptions>(
                layer,
                settings,
                perChannelWeights: true,
                bits => bits < 2 ? "the symmetric grid has 2^(b-1)-1 steps per side, so it needs at least 2 bits" : null,
                LayerRules.SignedNeedsTwoBits)
            .Concat(MomentumProblem(layer, settings));

    private static IEnumerable<string> MomentumProblem(string layer, QuantLayerSettings settings) =>
        LayerRules.Options<EightBitOptions>(settings).InputMomentum is var m && !(m > 0 && m <= 1)
            ? [$"{layer}: inputMomentum {m} must lie in (0, 1]"]
            : [];
}
