using QQuant;

namespace QQuant.Quantizers;

/// <summary>The quantizers and setting checks of <see cref="LSQConv"/> and <see cref="LSQLinear"/>.</summary>
internal static class LsqLayers
{
    public static Quantizer ForWeight(QuantLayerSettings settings, long outChannels) =>
        new LsqQuantizer(settings.WeightBits, TensorRole.Weight, ActivationSign.Signed,
            LayerRules.Channels(settings, outChannels), LayerRules.Options<LsqOptions>(settings).ScaleGradient);

    public static Quantizer ForInput(QuantLayerSettings settings) =>
        new LsqQuantizer(settings.ActivationBits, TensorRole.Activation, settings.Options.ActivationSign,
            scaleGradient: LayerRules.Options<LsqOptions>(settings).ScaleGradient);

    public static IEnumerable<string> Validate(string layer, QuantLayerSettings settings) =>
        LayerRules.Validate<LsqOptions>(layer, settings, perChannelWeights: true,
            bits => bits < 2 ? "LSQ's signed weight grid needs 2 bits or more" : null,
            LayerRules.SignedNeedsTwoBits);
}
