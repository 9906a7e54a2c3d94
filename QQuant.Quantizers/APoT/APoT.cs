using QQuant;

namespace QQuant.Quantizers;

/// <summary>
/// Additive powers-of-two quantization (APoT, Li et al., ICLR 2020): weight (standardised) and input go through
/// <see cref="APoTQuantizer"/>s with learned clipping levels, on power-of-two levels (<see cref="APoTOptions"/>).
/// Layer names: <c>APoTConv</c>, <c>APoTLinear</c>, ...; the reference's <c>APOTQuantConv2d</c>/<c>APOTQuantLinear</c>
/// mean them.
/// </summary>
public sealed class APoT : QuantScheme<APoT, APoTOptions>
{
    /// <summary>Creates the scheme; use <see cref="QuantScheme{TSelf, TOptions}.Instance"/>.</summary>
    public APoT() : base("APoT")
    {
    }

    /// <inheritdoc />
    protected override Quantizer WeightQuantizer(QuantLayerSettings settings, APoTOptions options, long channels) =>
        new APoTQuantizer(settings.WeightBits, TensorRole.Weight, Grid(options), ActivationSign.Signed, channels, additive: options.Additive,
            clippedGradient: options.ClippedWeightGradient, weightInitialization: options.WeightInit,
            centersWeight: options.CenterWeights);

    /// <inheritdoc />
    protected override Quantizer InputQuantizer(QuantLayerSettings settings, APoTOptions options) =>
        new APoTQuantizer(settings.ActivationBits, TensorRole.Activation, Grid(options), options.ActivationSign,
            initialClip: options.InitialClip, additive: options.Additive, initialization: options.ActivationInit);

    /// <inheritdoc />
    protected override string? WeightBitsProblem(int bits, APoTOptions options) =>
        APoTQuantizer.BitsProblem(bits, Grid(options), ActivationSign.Signed);

    /// <inheritdoc />
    protected override string? InputBitsProblem(int bits, ActivationSign sign, APoTOptions options) =>
        APoTQuantizer.BitsProblem(bits, Grid(options), sign);

    /// <inheritdoc />
    protected override IEnumerable<string> OptionProblems(APoTOptions options) => Pact.ClipProblems(options);

    /// <inheritdoc />
    protected override void Register(QuantLayerRegistry registry) =>
        registry.Add<APoTConv>(nameof(APoTConv), new(5, 5))
            .Add<APoTLinear>(nameof(APoTLinear), new(5, 5))
            .AddAlias("APOTQuantConv2d", nameof(APoTConv))
            .AddAlias("APOTQuantLinear", nameof(APoTLinear));

    private static APoTGrid Grid(APoTOptions options) => options.PowerOfTwo ? APoTGrid.PowerOfTwo : APoTGrid.Uniform;
}
