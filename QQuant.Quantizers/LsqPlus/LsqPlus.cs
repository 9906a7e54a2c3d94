using QQuant;

namespace QQuant.Quantizers;

/// <summary>
/// LSQ+ (Bhalgat et al., CVPR Workshops 2020): <see cref="LsqPlusQuantizer"/>s, the input's with a learned offset
/// (<see cref="LsqPlusOptions.LearnOffset"/>), the weight's signed without one. Layer names: <c>LSQPlusConv</c>,
/// <c>LSQPlusLinear</c>, ...; the reference's <c>LSQPlusConv2d</c> means <c>LSQPlusConv</c>.
/// </summary>
public sealed class LsqPlus : QuantScheme<LsqPlus, LsqPlusOptions>
{
    private const string TwoBits = "LSQ+ needs 2 bits or more";

    /// <summary>Creates the scheme; use <see cref="QuantScheme{TSelf, TOptions}.Instance"/>.</summary>
    public LsqPlus() : base("LSQPlus")
    {
    }

    /// <inheritdoc />
    protected override Quantizer WeightQuantizer(QuantLayerSettings settings, LsqPlusOptions options, long channels) =>
        new LsqPlusQuantizer(settings.WeightBits, TensorRole.Weight, ActivationSign.Signed, channels, learnOffset: false,
            scaleGradient: options.ScaleGradient);

    /// <inheritdoc />
    protected override Quantizer InputQuantizer(QuantLayerSettings settings, LsqPlusOptions options) =>
        new LsqPlusQuantizer(settings.ActivationBits, TensorRole.Activation, options.ActivationSign,
            learnOffset: options.LearnOffset, scaleGradient: options.ScaleGradient, count: options.GradientScaleCount,
            initialization: options.ActivationInit);

    /// <inheritdoc />
    protected override string? WeightBitsProblem(int bits, LsqPlusOptions options) => bits < 2 ? TwoBits : null;

    /// <inheritdoc />
    protected override string? InputBitsProblem(int bits, ActivationSign sign, LsqPlusOptions options) =>
        bits < 2 ? TwoBits + " (a 1-bit grid has no room for a learned step and offset)" : null;

    /// <inheritdoc />
    protected override void Register(QuantLayerRegistry registry) =>
        registry.Add<LSQPlusConv>(nameof(LSQPlusConv), new(4, 4))
            .Add<LSQPlusLinear>(nameof(LSQPlusLinear), new(8, 8))
            .AddAlias("LSQPlusConv2d", nameof(LSQPlusConv));
}
