using QQuant;

namespace QQuant.Quantizers;

/// <summary>The quantizers and setting checks of <see cref="PACTConv"/> and <see cref="PACTLinear"/>.</summary>
internal static class PactLayers
{
    // The PACT paper quantizes weights with DoReFa's scheme.
    public static Quantizer ForWeight(QuantLayerSettings settings, long outChannels) =>
        DoReFaLayers.ForWeight(settings, outChannels);

    public static Quantizer ForInput(QuantLayerSettings settings) =>
        new PactQuantizer(settings.ActivationBits, settings.Options.ActivationSign,
            LayerRules.Options<ClipOptions>(settings).InitialClip);

    public static IEnumerable<string> Validate(string layer, QuantLayerSettings settings) =>
        LayerRules.Validate<ClipOptions>(layer, settings, perChannelWeights: true, _ => null, LayerRules.SignedNeedsTwoBits)
            .Concat(ClipProblem(layer, settings));

    /// <summary>An initial clip that is not positive, or nothing.</summary>
    public static IEnumerable<string> ClipProblem(string layer, QuantLayerSettings settings) =>
        LayerRules.Options<ClipOptions>(settings).InitialClip is { } clip && !(clip > 0)
            ? [$"{layer}: initialClip {clip} must be positive"]
            : [];
}
