using QQuant;

namespace QQuant.Quantizers;

/// <summary>
/// DoReFa-Net (Zhou et al., 2016): the weight through a <see cref="DoReFaWeightQuantizer"/> (tanh, scaled by its
/// maximum), the input through a <see cref="DoReFaActivationQuantizer"/> (clipped to [0, 1]). Layer names:
/// <c>DoReFaConv</c>, <c>DoReFaLinear</c>, ...; the reference's <c>DRFConv</c>/<c>DRFLinear</c> mean them.
/// </summary>
public sealed class DoReFa : QuantScheme<DoReFa, QuantLayerOptions>
{
    /// <summary>Creates the scheme; use <see cref="QuantScheme{TSelf, TOptions}.Instance"/>.</summary>
    public DoReFa() : base("DoReFa")
    {
    }

    /// <summary>DoReFa's weight quantizer, which PACT's layers use too.</summary>
    internal static Quantizer Weight(QuantLayerSettings settings) =>
        new DoReFaWeightQuantizer(settings.WeightBits, settings.Options.PerChannelWeights);

    /// <inheritdoc />
    protected override Quantizer WeightQuantizer(QuantLayerSettings settings, QuantLayerOptions options, long channels) =>
        Weight(settings);

    /// <inheritdoc />
    protected override Quantizer InputQuantizer(QuantLayerSettings settings, QuantLayerOptions options) =>
        new DoReFaActivationQuantizer(settings.ActivationBits, options.ActivationSign);

    /// <inheritdoc />
    protected override void Register(QuantLayerRegistry registry) =>
        registry.Add<DoReFaConv>(nameof(DoReFaConv), new(4, 4))
            .Add<DoReFaLinear>(nameof(DoReFaLinear), new(8, 8))
            .AddAlias("DRFConv", nameof(DoReFaConv))
            .AddAlias("DRFLinear", nameof(DoReFaLinear));
}
