using QQuant;

namespace QQuant.Quantizers;

/// <summary>
/// Uniform quantization with learned clipping (the reference's "UQ"): APoT's quantizers on a uniform grid
/// (<see cref="APoTGrid.Uniform"/>, <c>2^b − 1</c> steps for inputs), the weight standardised. Layer names:
/// <c>UniformConv</c>, <c>UniformLinear</c>, ...
/// </summary>
public sealed class Uniform : QuantScheme<Uniform, UniformOptions>
{
    /// <summary>Creates the scheme; use <see cref="QuantScheme{TSelf, TOptions}.Instance"/>.</summary>
    public Uniform() : base("Uniform")
    {
    }

    /// <inheritdoc />
    protected override Quantizer WeightQuantizer(QuantLayerSettings settings, UniformOptions options, long channels) =>
        new APoTQuantizer(settings.WeightBits, TensorRole.Weight, APoTGrid.Uniform, ActivationSign.Signed, channels,
            clippedGradient: options.ClippedWeightGradient, weightInitialization: options.WeightInit,
            centersWeight: options.CenterWeights);

    /// <inheritdoc />
    protected override Quantizer InputQuantizer(QuantLayerSettings settings, UniformOptions options) =>
        new APoTQuantizer(settings.ActivationBits, TensorRole.Activation, APoTGrid.Uniform, options.ActivationSign,
            initialClip: options.InitialClip, initialization: options.ActivationInit);

    /// <inheritdoc />
    protected override string? WeightBitsProblem(int bits, UniformOptions options) =>
        APoTQuantizer.BitsProblem(bits, APoTGrid.Uniform, ActivationSign.Signed);

    /// <inheritdoc />
    protected override string? InputBitsProblem(int bits, ActivationSign sign, UniformOptions options) =>
        APoTQuantizer.BitsProblem(bits, APoTGrid.Uniform, sign);

    /// <inheritdoc />
    protected override IEnumerable<string> OptionProblems(UniformOptions options) => Pact.ClipProblems(options);

    /// <inheritdoc />
    protected override void Register(QuantLayerRegistry registry) =>
        registry.Add<UniformConv>(nameof(UniformConv), new(5, 5)).Add<UniformLinear>(nameof(UniformLinear), new(8, 8));
}
