using QQuant;
using QQuant.Export;
using QQuant.Quantizers.Kernels;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// Learned step size quantization (Esser et al., ICLR 2020): <c>q = round(clamp(x / s, Qn, Qp)) · s</c> with a
/// learnable step <c>s</c> (parameter <c>step</c>), clamped first and rounded second as in the paper.
/// </summary>
/// <remarks>
/// <para>Gradients: the input gets 1 where <c>Qn ≤ x/s ≤ Qp</c> and 0 outside; the step gets
/// <c>round(x/s) − x/s</c> inside, <c>Qn</c> below and <c>Qp</c> above, each multiplied by
/// <c>g = 1/√(N·Qp)</c> when gradient scaling is on. N is the number of elements per step: the weight's size (per
/// output channel with per-channel steps) or the features of one sample (the batch is not counted, as in the paper;
/// <see cref="GradientScaleCount.Tensor"/> counts it, as lsq-net and MQBench do).</para>
/// <para>Initialisation (first training forward or calibration): <c>s = 2·mean|x| / √Qp</c> (per channel for
/// per-channel steps; all-zero data gives <c>s = 1</c>). The step acts as <c>max(|s|, 1e−8)</c>, so it stays positive.</para>
/// <para>Grid: signed <c>[−2^(b−1), 2^(b−1) − 1]</c> (needs 2 bits or more), unsigned <c>[0, 2^b − 1]</c>.</para>
/// </remarks>
public sealed class LsqQuantizer : CalibratedQuantizer, IExportableQuantizer
{
    [ComponentName(Name = "step")]
    private Parameter _step;

    /// <summary>Creates the quantizer.</summary>
    /// <param name="bits">1..8 (2..8 for a signed grid).</param>
    /// <param name="role">Weights count all elements per step in N; activations count one sample's.</param>
    /// <param name="sign">The grid's sign, or Auto to decide it from the initialisation data.</param>
    /// <param name="channels">Number of per-channel steps along dimension 0, or 1 for one step per tensor.</param>
    /// <param name="scaleGradient">Multiply the step's gradient by <c>1/√(N·Qp)</c>.</param>
    /// <param name="count">What N counts for an activation: one sample's features (the paper) or the whole tensor.</param>
    public LsqQuantizer(
        int bits, TensorRole role, ActivationSign sign, long channels = 1, bool scaleGradient = true, GradientScaleCount count = GradientScaleCount.Sample)
        : base(nameof(LsqQuantizer), bits, sign, perChannel: channels > 1)
    {
        UniformGrid.RequireBits(bits, sign, nameof(LsqQuantizer));
        Role = role;
        ScalesGradient = scaleGradient;
        GradientCount = count;
        _step = QuantizerMath.State(channels, 1.0);
        RegisterComponents();
    }

    /// <summary>Whether this quantizes a weight or an activation.</summary>
    public TensorRole Role { get; }

    /// <summary>True when the step's gradient is multiplied by <c>1/√(N·Qp)</c>.</summary>
    public bool ScalesGradient { get; }

    /// <summary>What N counts in the gradient scale of an activation's step.</summary>
    public GradientScaleCount GradientCount { get; }

    /// <summary>The learnable step, shape <c>[channels]</c>.</summary>
    public Parameter Step => _step;

    /// <inheritdoc />
    protected override bool KernelAccepts(Tensor input) => FusedPath.Accepts(input, _step);

    /// <inheritdoc />
    protected override QuantizationPass? CreatePass(Tensor input)
    {
        if (!FusesFor(input))
        {
            return null;
        }

        IntegerRange range = IntegerRange.Of(Bits, IsSigned);
        (float[] steps, float[] derivative) = LearnedScale.Read(_step);
        AffineGridRule[] rules = [.. steps.Select(step => new AffineGridRule(step, 0, range.Min, range.Max))];
        return new KernelPass<AffineGridRule>(rules, new FusedParameter(_step, LearnedScale.Times(derivative, GradientScale(input, range))));
    }

    /// <inheritdoc />
    protected override Tensor Quantize(Tensor input)
    {
        IntegerRange range = IntegerRange.Of(Bits, IsSigned);
        double gradientScale = GradientScale(input, range);
        using var scope = NewDisposeScope();
        Tensor step = ScalesGradient ? StraightThrough.ScaleGradient(_step, gradientScale) : _step;
        Tensor s = AlongChannels(QuantizerMath.Positive(step), input);
        Tensor clamped = (input / s).clamp(range.Min, range.Max);
        return (StraightThrough.Round(clamped) * s).MoveToOuterDisposeScope();
    }

    private double GradientScale(Tensor input, IntegerRange range) =>
        ScalesGradient ? UniformGrid.GradientScale(input, Role, _step.numel(), range, GradientCount) : 1;

    /// <inheritdoc />
    /// <remarks>Exact: the step <c>max(|s|, 1e−8)</c> and zero point 0 over <c>[Qn, Qp]</c>.</remarks>
    public QuantGrid? ExportGrid(Tensor? weight, out string? reason)
    {
        reason = null;
        using Tensor step = QuantizerMath.Positive(_step.detach());
        return GridExport.Uniform(step, IntegerRange.Of(Bits, IsSigned), weight);
    }

    /// <inheritdoc />
    protected override void Initialize(TensorStatistics statistics)
    {
        using var scope = NewDisposeScope();
        IntegerRange range = IntegerRange.Of(Bits, IsSigned);
        Tensor step = 2 * statistics.MeanAbs() / Math.Sqrt(range.Max);
        _step.copy_(QuantizerMath.OneWhereZero(step));
    }
}
