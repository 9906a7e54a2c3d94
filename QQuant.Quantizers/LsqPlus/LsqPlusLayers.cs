using QQuant;

namespace QQuant.Quantizers;

/// <summary>The quantizers and setting checks of <see cref="LSQPlusConv"/> and <see cref="LSQPlusLinear"/>.</summary>
internal static class LsqPlusLayers
{
    public static Quantizer ForWeight(QuantLayerSettings settings, long outChannels) =>
        new LsqPlusQuantizer(settings.WeightBits, TensorRole.Weight, ActivationSign.Signed,
            LayerRules.Channels(settings, outChannels), learnOffset: false,
            scaleGradient: LayerRules.Options<LsqPlusOptions>(settings).ScaleGradient);

    public static Quantizer ForInput(QuantLayerSettings settings)
    {
        LsqPlusOptions options = LayerRules.Options<LsqPlusOptions>(settings);
        return new LsqPlusQuantizer(settings.ActivationBits, TensorRole.Activation, settings.Options.ActivationSign,
            learnOffset: options.LearnOffset, scaleGradient: options.ScaleGradient);
    }

    public static IEnumerable<string> Validate(string layer, QuantLayerSettings settings) =>
        LayerRules.Validate<LsqPlusOptions>(layer, settings, perChannelWeights: true,
            bits => bits < 2 ? "LSQ+ needs 2 bits or more" : null,
            (bits, _) => bits < 2 ? "LSQ+ needs 2 bits or more (a 1-bit grid has no room for a learned step and offset)" : null);
}
