using QQuant;

namespace QQuant.Quantizers;

/// <summary>
/// PACT (Choi et al., 2018): the input through a <see cref="PactQuantizer"/> with a learned clipping level, the
/// weight through DoReFa's quantizer as in the paper. Layer names: <c>PACTConv</c>, <c>PACTLinear</c>, ...
/// </summary>
public sealed class Pact : QuantScheme<Pact, ClipOptions>
{
    /// <summary>Creates the scheme; use <see cref="QuantScheme{TSelf, TOptions}.Instance"/>.</summary>
    public Pact() : base("PACT")
    {
    }

    /// <summary>An initial clip that is not positive, or nothing (PACT, APoT and uniform share the option).</summary>
    internal static IEnumerable<string> ClipProblems(ClipOptions options) =>
        options.InitialClip is { } clip && !(clip > 0) ? [$"initialClip {clip} must be positive"] : [];

    /// <inheritdoc />
    protected override Quantizer WeightQuantizer(QuantLayerSettings settings, ClipOptions options, long channels) =>
        DoReFa.Weight(settings);

    /// <inheritdoc />
    protected override Quantizer InputQuantizer(QuantLayerSettings settings, ClipOptions options) =>
        new PactQuantizer(settings.ActivationBits, options.ActivationSign, options.InitialClip, options.ActivationInit);

    /// <inheritdoc />
    protected override string? InputBitsProblem(int bits, ActivationSign sign, ClipOptions options) => SignedNeedsTwoBits(bits, sign);

    /// <inheritdoc />
    protected override IEnumerable<string> OptionProblems(ClipOptions options) => ClipProblems(options);

    /// <inheritdoc />
    protected override void Register(QuantLayerRegistry registry) =>
        registry.Add<PACTConv>(nameof(PACTConv), new(4, 4)).Add<PACTLinear>(nameof(PACTLinear), new(8, 8));
}
