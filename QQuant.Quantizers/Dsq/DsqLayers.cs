using QQuant;

namespace QQuant.Quantizers;

/// <summary>The quantizers and setting checks of <see cref="DSQConv"/> and <see cref="DSQLinear"/>.</summary>
internal static class DsqLayers
{
    public static Quantizer ForWeight(QuantLayerSettings settings, long outChannels) =>
        new DsqQuantizer(settings.WeightBits, ActivationSign.Signed, LayerRules.Options<DsqOptions>(settings).InitialAlpha);

    public static Quantizer ForInput(QuantLayerSettings settings) =>
        new DsqQuantizer(settings.ActivationBits, settings.Options.ActivationSign,
            LayerRules.Options<DsqOptions>(settings).InitialAlpha);

    public static IEnumerable<string> Validate(string layer, QuantLayerSettings settings)
    {
        double alpha = LayerRules.Options<DsqOptions>(settings).InitialAlpha;
        IEnumerable<string> alphaProblem = alpha is > 0 and < 0.5 ? [] : [$"{layer}: initialAlpha {alpha} is outside (0, 0.5)"];
        return LayerRules.Validate<DsqOptions>(layer, settings, perChannelWeights: false, _ => null, (_, _) => null)
            .Concat(alphaProblem);
    }
}
