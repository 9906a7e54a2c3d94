using QQuant;

namespace QQuant.Quantizers;

/// <summary>
/// Differentiable soft quantization (DSQ, Gong et al., ICCV 2019): weight and input go through
/// <see cref="DsqQuantizer"/>s with learnable bounds and α, one per tensor. Layer names: <c>DSQConv</c>,
/// <c>DSQLinear</c>, ...; the reference's <c>DSQConvV2</c> means <c>DSQConv</c>.
/// </summary>
public sealed class Dsq : QuantScheme<Dsq, DsqOptions>
{
    /// <summary>Creates the scheme; use <see cref="QuantScheme{TSelf, TOptions}.Instance"/>.</summary>
    public Dsq() : base("DSQ")
    {
    }

    /// <inheritdoc />
    protected override bool SupportsPerChannelWeights => false;

    /// <inheritdoc />
    protected override Quantizer WeightQuantizer(QuantLayerSettings settings, DsqOptions options, long channels) =>
        new DsqQuantizer(settings.WeightBits, ActivationSign.Signed, options.InitialAlpha, options.WeightInit);

    /// <inheritdoc />
    protected override Quantizer InputQuantizer(QuantLayerSettings settings, DsqOptions options) =>
        new DsqQuantizer(settings.ActivationBits, options.ActivationSign, options.InitialAlpha, options.ActivationInit);

    /// <inheritdoc />
    protected override IEnumerable<string> OptionProblems(DsqOptions options) =>
        options.InitialAlpha is > 0 and < 0.5 ? [] : [$"initialAlpha {options.InitialAlpha} is outside (0, 0.5)"];

    /// <inheritdoc />
    protected override void Register(QuantLayerRegistry registry) =>
        registry.Add<DSQConv>(nameof(DSQConv), new(8, 8))
            .Add<DSQLinear>(nameof(DSQLinear), new(4, 4))
            .AddAlias("DSQConvV2", nameof(DSQConv));
}
