using QQuant;

namespace QQuant.Quantizers;

/// <summary>The quantizers and setting checks of the APoT and uniform layers.</summary>
internal static class APoTLayers
{
    public static Quantizer ForWeight(QuantLayerSettings settings, long outChannels, APoTGrid grid) =>
        new APoTQuantizer(settings.WeightBits, TensorRole.Weight, grid, ActivationSign.Signed,
            LayerRules.Channels(settings, outChannels), additive: Additive(settings));

    public static Quantizer ForInput(QuantLayerSettings settings, APoTGrid grid) =>
        new APoTQuantizer(settings.ActivationBits, TensorRole.Activation, grid, settings.Options.ActivationSign,
            initialClip: LayerRules.Options<ClipOptions>(settings).InitialClip, additive: Additive(settings));

    /// <summary>The grid an APoT layer's options ask for.</summary>
    public static APoTGrid Grid(QuantLayerSettings settings) =>
        LayerRules.Options<APoTOptions>(settings).PowerOfTwo ? APoTGrid.PowerOfTwo : APoTGrid.Uniform;

    public static IEnumerable<string> Validate<TOptions>(string layer, QuantLayerSettings settings, APoTGrid grid)
        where TOptions : ClipOptions =>
        LayerRules.Validate<TOptions>(layer, settings, perChannelWeights: true,
                bits => APoTQuantizer.BitsProblem(bits, grid, ActivationSign.Signed),
                (bits, sign) => APoTQuantizer.BitsProblem(bits, grid, sign))
            .Concat(PactLayers.ClipProblem(layer, settings));

    private static bool Additive(QuantLayerSettings settings) => (settings.Options as APoTOptions)?.Additive ?? true;
}
