using QQuant;

namespace QQuant.Quantizers;

/// <summary>
/// Learned step size quantization (LSQ, Esser et al., ICLR 2020): weight and input go through
/// <see cref="LsqQuantizer"/>s, the weight's signed with per-tensor or per-channel steps. Layer names: <c>LSQConv</c>,
/// <c>LSQLinear</c>, <c>LSQConv1d</c>, ...; the reference's <c>LSQConv2d</c> means <c>LSQConv</c>.
/// </summary>
public sealed class Lsq : QuantScheme<Lsq, LsqOptions>
{
    /// <summary>Creates the scheme; use <see cref="QuantScheme{TSelf, TOptions}.Instance"/>.</summary>
    public Lsq() : base("LSQ")
    {
    }

    /// <inheritdoc />
    protected override Quantizer WeightQuantizer(QuantLayerSettings settings, LsqOptions options, long channels) =>
        new LsqQuantizer(settings.WeightBits, TensorRole.Weight, ActivationSign.Signed, channels, options.ScaleGradient);

    /// <inheritdoc />
    protected override Quantizer InputQuantizer(QuantLayerSettings settings, LsqOptions options) =>
        new LsqQuantizer(settings.ActivationBits, TensorRole.Activation, options.ActivationSign,
            scaleGradient: options.ScaleGradient, count: options.GradientScaleCount);

    /// <inheritdoc />
    protected override string? WeightBitsProblem(int bits, LsqOptions options) =>
        bits < 2 ? "LSQ's signed weight grid needs 2 bits or more" : null;

    /// <inheritdoc />
    protected override string? InputBitsProblem(int bits, ActivationSign sign, LsqOptions options) => SignedNeedsTwoBits(bits, sign);

    /// <inheritdoc />
    protected override void Register(QuantLayerRegistry registry) =>
        registry.Add<LSQConv>(nameof(LSQConv), new(4, 4))
            .Add<LSQLinear>(nameof(LSQLinear), new(8, 8))
            .AddAlias("LSQConv2d", nameof(LSQConv));
}
