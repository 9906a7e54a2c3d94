using QQuant;

namespace QQuant.Quantizers;

/// <summary>The quantizers and setting checks of <see cref="DoReFaConv"/> and <see cref="DoReFaLinear"/>.</summary>
internal static class DoReFaLayers
{
    public static Quantizer ForWeight(QuantLayerSettings settings, long outChannels) =>
        new DoReFaWeightQuantizer(settings.WeightBits, settings.Options.PerChannelWeights);

    public static Quantizer ForInput(QuantLayerSettings settings) =>
        new DoReFaActivationQuantizer(settings.ActivationBits, settings.Options.ActivationSign);

    public static IEnumerable<string> Validate(string layer, QuantLayerSettings settings) =>
        LayerRules.Validate<QuantLayerOptions>(layer, settings, perChannelWeights: true, _ => null, (_, _) => null);
}
