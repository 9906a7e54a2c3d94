using QQuant;

namespace QQuant.Quantizers;

/// <summary>
/// The Python reference's 8-bit layers, fixed: the weight through a symmetric <see cref="MaxAbsQuantizer"/>
/// (per-channel when asked), the input through a <see cref="RunningMaxAbsQuantizer"/> (a running maximum tracked in
/// training, fixed in evaluation; unsigned when <c>ActivationSign</c> says so, or for <c>Auto</c> when the
/// initialisation data has no negative value). Meant for the first and last layers of a low-bit network; any width
/// from 2 to 8 bits works. Layer names: <c>EightBitConv</c>, <c>EightBitLinear</c>, ...; the reference's
/// <c>EightBitQuantConv</c>/<c>EightBitQuantLinear</c> mean them with the input left float, as their defaults were.
/// </summary>
public sealed class EightBit : QuantScheme<EightBit, EightBitOptions>
{
    /// <summary>Creates the scheme; use <see cref="QuantScheme{TSelf, TOptions}.Instance"/>.</summary>
    public EightBit() : base("EightBit")
    {
    }

    /// <inheritdoc />
    protected override Quantizer WeightQuantizer(QuantLayerSettings settings, EightBitOptions options, long channels) =>
        new MaxAbsQuantizer(settings.WeightBits, signed: true, perChannel: options.PerChannelWeights);

    /// <inheritdoc />
    protected override Quantizer InputQuantizer(QuantLayerSettings settings, EightBitOptions options) =>
        new RunningMaxAbsQuantizer(settings.ActivationBits, options.ActivationSign, options.InputMomentum);

    /// <inheritdoc />
    protected override string? WeightBitsProblem(int bits, EightBitOptions options) =>
        bits < 2 ? "the symmetric grid has 2^(b-1)-1 steps per side, so it needs at least 2 bits" : null;

    /// <inheritdoc />
    protected override string? InputBitsProblem(int bits, ActivationSign sign, EightBitOptions options) => SignedNeedsTwoBits(bits, sign);

    /// <inheritdoc />
    protected override IEnumerable<string> OptionProblems(EightBitOptions options) =>
        options.InputMomentum is var m && !(m > 0 && m <= 1) ? [$"inputMomentum {m} must lie in (0, 1]"] : [];

    /// <inheritdoc />
    /// <remarks>The reference's 8-bit helpers quantize only the weight unless <c>quant_activation=True</c>.</remarks>
    protected override void Register(QuantLayerRegistry registry) =>
        registry.Add<EightBitConv>(nameof(EightBitConv), new(8, 8))
            .Add<EightBitLinear>(nameof(EightBitLinear), new(8, 8))
            .AddAlias("EightBitQuantConv", nameof(EightBitConv), new(8, 8, o => o.QuantizeInput = false))
            .AddAlias("EightBitQuantLinear", nameof(EightBitLinear), new(8, 8, o => o.QuantizeInput = false));
}
