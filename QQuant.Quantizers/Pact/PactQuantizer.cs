using QQuant;
using QQuant.Export;
using QQuant.Quantizers.Kernels;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// PACT's activation quantizer (Choi et al., 2018): <c>y = clamp(x, 0, α)</c>, then
/// <c>q = round(y·(2^b − 1)/α)·α/(2^b − 1)</c>, with a learnable clipping level α (parameter <c>alpha</c>). A signed
/// grid clamps to <c>[−α, α]</c> with <c>2^(b−1) − 1</c> steps per side (needs 2 bits or more).
/// </summary>
/// <remarks>
/// <para>Gradients, as in the paper: the input gets 1 inside the clipping range and 0 outside; α gets 1 where
/// <c>x ≥ α</c> (−1 where <c>x &lt; −α</c> for a signed grid) and 0 elsewhere: the paper's straight-through estimate
/// ignores α's effect on the step inside the range. α acts as <c>max(|α|, 1e−8)</c>.</para>
/// <para>Training: α gets the weights' L2 decay by default (<see cref="DefaultDecayMult"/>), as in the paper.</para>
/// <para>Initialisation: α = the given initial clip, or from data <c>min(max|x|, mean|x| + 3·std|x|)</c>
/// (1 for all-zero data). With an initial clip and a fixed sign the quantizer is initialised at construction.</para>
/// </remarks>
public sealed class PactQuantizer : CalibratedQuantizer, IExportableQuantizer
{
    [ComponentName(Name = "alpha")]
    private Parameter _alpha;

    private readonly double? _initialClip;

    /// <summary>Creates the quantizer.</summary>
    /// <param name="bits">1..8 (2..8 for a signed or Auto grid).</param>
    /// <param name="sign">The grid's sign, or Auto to decide it from the initialisation data.</param>
    /// <param name="initialClip">α's starting value (the paper uses 10), or null to take it from data.</param>
    /// <param name="initialization">How α starts from data when <paramref name="initialClip"/> is null.</param>
    public PactQuantizer(int bits, ActivationSign sign, double? initialClip = null, ClipInitialization initialization = ClipInitialization.MeanStd)
        : base(nameof(PactQuantizer), bits, sign, perChannel: false,
            initializedAtStart: initialClip is not null && sign != ActivationSign.Auto)
    {
        UniformGrid.RequireBits(bits, sign, nameof(PactQuantizer));
        if (initialClip is <= 0 or double.NaN)
        {
            throw new ArgumentOutOfRangeException(nameof(initialClip), initialClip, "PACT's clipping level must be positive.");
        }

        _initialClip = initialClip;
        Initialization = initialization;
        _alpha = QuantizerMath.State(1, initialClip ?? 1.0);
        RegisterComponents();
    }

    /// <summary>The learnable clipping level α.</summary>
    public Parameter Alpha => _alpha;

    /// <summary>How α starts from data.</summary>
    public ClipInitialization Initialization { get; }

    /// <inheritdoc />
    /// <remarks>1: the paper regularises α with L2, with the weights' coefficient, so that the clip does not grow unchecked.</remarks>
    public override double DefaultDecayMult => 1;

    /// <inheritdoc />
    protected override bool KernelAccepts(Tensor input) => FusedPath.Accepts(input, _alpha);

    /// <inheritdoc />
    protected override QuantizationPass? CreatePass(Tensor input)
    {
        if (!FusesFor(input))
        {
            return null;
        }

        (float[] alphas, float[] derivative) = LearnedScale.Read(_alpha);
        var rule = new PactClipRule(alphas[0], IntegerRange.Of(Bits, IsSigned).Max, IsSigned);
        return new KernelPass<PactClipRule>([rule], new FusedParameter(_alpha, derivative));
    }

    /// <inheritdoc />
    protected override Tensor Quantize(Tensor input)
    {
        int steps = IntegerRange.Of(Bits, IsSigned).Max;
        using var scope = NewDisposeScope();
        Tensor alpha = QuantizerMath.Positive(_alpha);
        Tensor low = IsSigned ? -alpha : zeros_like(alpha);
        Tensor y = where(input >= alpha, alpha, where(input < low, low, input));
        Tensor step = alpha.detach() / steps;
        return StraightThrough.Pass(y, (y / step).round() * step).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    /// <remarks>Exact: the step <c>α / Qp</c> over <c>[−Qp, Qp]</c> (signed) or <c>[0, Qp]</c>, zero point 0.</remarks>
    public QuantGrid? ExportGrid(Tensor? weight, out string? reason)
    {
        reason = null;
        int steps = IntegerRange.Of(Bits, IsSigned).Max;
        using var noGrad = no_grad();
        using Tensor alpha = QuantizerMath.Positive(_alpha.detach());
        using Tensor step = alpha / steps;
        return GridExport.Uniform(step, new IntegerRange(IsSigned ? -steps : 0, steps), weight);
    }

    /// <inheritdoc />
    /// <remarks>A sample for the error search of <see cref="ClipInitialization.Mse"/>; none otherwise.</remarks>
    protected override int SampleSize => Initialization == ClipInitialization.Mse ? MseRange.SampleSize : 0;

    /// <inheritdoc />
    protected override void Initialize(TensorStatistics statistics)
    {
        using var scope = NewDisposeScope();
        _alpha.copy_(DataClip.Start(_alpha, _initialClip, statistics, Initialization, IsSigned, DataClip.Uniform(IntegerRange.Of(Bits, IsSigned).Max)));
    }
}
