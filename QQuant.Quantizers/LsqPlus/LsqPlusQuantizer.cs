using QQuant;
using QQuant.Export;
using QQuant.Quantizers.Kernels;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// LSQ+ (Bhalgat et al., CVPR workshops 2020): LSQ with a learnable offset for activations,
/// <c>q = round(clamp((x − β) / s, Qn, Qp)) · s + β</c>, parameters <c>step</c> and (activations) <c>offset</c>.
/// Weights use the paper's symmetric grid without offset.
/// </summary>
/// <remarks>
/// <para>Gradients: the input gets 1 where <c>Qn ≤ (x − β)/s ≤ Qp</c>, 0 outside; the step as in LSQ; the offset 0
/// inside and 1 outside (only clipped elements move it). Both are multiplied by <c>g = 1/√(N·Qp)</c> when gradient
/// scaling is on (N as in <see cref="LsqQuantizer"/>).</para>
/// <para>Initialisation, as in the paper: weights <c>s = max(|μ − 3σ|, |μ + 3σ|) / 2^(b−1)</c> (μ, σ: mean and
/// standard deviation of the weight, per channel for per-channel steps); activations
/// <c>s = (max − min) / (Qp − Qn)</c> and <c>β = min − Qn·s</c>, so the grid spans the data's range exactly. Without
/// an offset, <c>s</c> is the smallest step whose grid covers <c>[min, max]</c>. Degenerate data (constant or
/// all-zero) gives <c>s = 1</c>, and a constant is then represented exactly by the offset.</para>
/// <para>With <see cref="RangeInitialization.Mse"/> an activation instead starts from the grid with the least squared
/// quantization error on a sample of up to 65 536 of the initialisation values (kept by <see cref="TensorStatistics"/>):
/// with an offset the grid's ends are searched inside <c>[min, max]</c>, without one the step is shrunk from the
/// covering one. The min/max grid is kept unless a grid is strictly better, so degenerate data starts as above.</para>
/// </remarks>
public sealed class LsqPlusQuantizer : CalibratedQuantizer, IExportableQuantizer
{
    [ComponentName(Name = "step")]
    private Parameter _step;

    [ComponentName(Name = "offset")]
    private Parameter? _offset;

    /// <summary>Creates the quantizer.</summary>
    /// <param name="bits">2..8.</param>
    /// <param name="role">Weights are signed, symmetric and have no offset; activations may learn one.</param>
    /// <param name="sign">The grid's sign (Signed for weights), or Auto to decide it from the initialisation data.</param>
    /// <param name="channels">Per-channel steps along dimension 0 (weights only), or 1.</param>
    /// <param name="learnOffset">Learn the offset β (activations only).</param>
    /// <param name="scaleGradient">Multiply the step's and offset's gradients by <c>1/√(N·Qp)</c>.</param>
    /// <param name="count">What N counts for an activation: one sample's features (the paper) or the whole tensor.</param>
    /// <param name="initialization">How an activation's step and offset start (weights: only MinMax, which means the paper's formula).</param>
    public LsqPlusQuantizer(
        int bits, TensorRole role, ActivationSign sign, long channels = 1, bool learnOffset = true, bool scaleGradient = true,
        GradientScaleCount count = GradientScaleCount.Sample, RangeInitialization initialization = RangeInitialization.MinMax)
        : base(nameof(LsqPlusQuantizer), bits, sign, perChannel: channels > 1)
    {
        if (bits is < 2 or > 8)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "LSQ+ takes 2..8 bits.");
        }

        if (role == TensorRole.Weight && (learnOffset || sign != ActivationSign.Signed))
        {
            throw new ArgumentException("LSQ+ weights use a signed grid without offset, as in the paper.", nameof(learnOffset));
        }

        if (role == TensorRole.Activation && channels > 1)
        {
            throw new ArgumentException("LSQ+ activations have one step per tensor.", nameof(channels));
        }

        if (role == TensorRole.Weight && initialization != RangeInitialization.MinMax)
        {
            throw new ArgumentException(
                "LSQ+ weights start from the paper's mean and deviation formula; the initialisation option is for activations.",
                nameof(initialization));
        }

        Role = role;
        Initialization = initialization;
        ScalesGradient = scaleGradient;
        GradientCount = count;
        _step = QuantizerMath.State(channels, 1.0);
        _offset = learnOffset ? QuantizerMath.State(channels, 0.0) : null;
        RegisterComponents();
    }

    /// <summary>Whether this quantizes a weight or an activation.</summary>
    public TensorRole Role { get; }

    /// <summary>How an activation's step and offset start from the initialisation data.</summary>
    public RangeInitialization Initialization { get; }

    /// <summary>True when the gradients of step and offset are multiplied by <c>1/√(N·Qp)</c>.</summary>
    public bool ScalesGradient { get; }

    /// <summary>What N counts in the gradient scale of an activation's step and offset.</summary>
    public GradientScaleCount GradientCount { get; }

    /// <summary>The learnable step, shape <c>[channels]</c>.</summary>
    public Parameter Step => _step;

    /// <summary>The learnable offset β, or null without one.</summary>
    public Parameter? Offset => _offset;

    /// <inheritdoc />
    protected override bool KernelAccepts(Tensor input) => FusedPath.Accepts(input, _step) && (_offset is null || _offset.numel() == 1);

    /// <inheritdoc />
    protected override QuantizationPass? CreatePass(Tensor input)
    {
        if (!FusesFor(input))
        {
            return null;
        }

        IntegerRange range = IntegerRange.Of(Bits, IsSigned);
        double g = GradientScale(input, range);
        (float[] steps, float[] derivative) = LearnedScale.Read(_step);
        var step = new FusedParameter(_step, LearnedScale.Times(derivative, g));
        if (_offset is null)
        {
            return new KernelPass<AffineGridRule>([.. steps.Select(s => new AffineGridRule(s, 0, range.Min, range.Max))], step);
        }

        // An offset comes with one step per tensor (activations only).
        float beta = CpuFloats.Values(_offset)[0];
        return new KernelPass<AffineGridRule>([new AffineGridRule(steps[0], beta, range.Min, range.Max)], step, new FusedParameter(_offset, [(float)g], Sum: 1));
    }

    /// <inheritdoc />
    protected override Tensor Quantize(Tensor input)
    {
        IntegerRange range = IntegerRange.Of(Bits, IsSigned);
        double g = GradientScale(input, range);
        using var scope = NewDisposeScope();
        Tensor s = AlongChannels(QuantizerMath.Positive(StraightThrough.ScaleGradient(_step, g)), input);
        if (_offset is null)
        {
            Tensor v = (input / s).clamp(range.Min, range.Max);
            return (StraightThrough.Round(v) * s).MoveToOuterDisposeScope();
        }

        Tensor beta = AlongChannels(StraightThrough.ScaleGradient(_offset, g), input);
        Tensor u = ((input - beta) / s).clamp(range.Min, range.Max);
        return (StraightThrough.Round(u) * s + beta).MoveToOuterDisposeScope();
    }

    private double GradientScale(Tensor input, IntegerRange range) =>
        ScalesGradient ? UniformGrid.GradientScale(input, Role, _step.numel(), range, GradientCount) : 1.0;

    /// <inheritdoc />
    /// <remarks>
    /// Exact without an offset. With one, <c>round((x − β) / s)</c> has the zero point <c>−β/s</c>, which ONNX needs as an
    /// integer: it is rounded, and the report says by how much the grid moves.
    /// </remarks>
    public QuantGrid? ExportGrid(Tensor? weight, out string? reason)
    {
        if (_offset is not null)
        {
            reason = null;
            using Tensor positive = QuantizerMath.Positive(_step.detach());
            float s = GridExport.Floats(positive)[0], beta = GridExport.Floats(_offset)[0];
            return GridExport.Shifted(s, beta / (double)s, beta, IntegerRange.Of(Bits, IsSigned), approximation: null,
                       zeroPointApproximation: "ONNX computes round(x/s) + zero point where training computes round((x - offset)/s)")
                   ?? Refuse(out reason, "LSQ+'s levels and zero point do not fit an 8-bit container");
        }

        reason = null;
        using Tensor step = QuantizerMath.Positive(_step.detach());
        return GridExport.Uniform(step, IntegerRange.Of(Bits, IsSigned), weight);
    }

    private static QuantGrid? Refuse(out string? reason, string why)
    {
        reason = why;
        return null;
    }

    /// <inheritdoc />
    /// <remarks>A sample for the error search of <see cref="RangeInitialization.Mse"/>; none otherwise.</remarks>
    protected override int SampleSize => Initialization == RangeInitialization.Mse ? MseRange.SampleSize : 0;

    /// <inheritdoc />
    protected override void Initialize(TensorStatistics statistics)
    {
        using var scope = NewDisposeScope();
        IntegerRange range = IntegerRange.Of(Bits, IsSigned);
        if (Role == TensorRole.Weight)
        {
            Tensor mean = statistics.Mean(), spread = 3 * statistics.Std();
            Tensor reach = maximum((mean - spread).abs(), (mean + spread).abs());
            _step.copy_(QuantizerMath.OneWhereZero(reach / (1 << (Bits - 1))));
            return;
        }

        Tensor min = statistics.Min(), max = statistics.Max();
        if (_offset is not null)
        {
            Tensor step = QuantizerMath.OneWhereZero((max - min) / range.Steps);
            _step.copy_(step);
            _offset.copy_(min - range.Min * step);
            if (Initialization == RangeInitialization.Mse
                && MseRange.WithOffset(statistics.Sample(), min.item<double>(), max.item<double>(), range) is { } grid)
            {
                _step.fill_(grid.Step);
                _offset.fill_(grid.Offset);
            }

            return;
        }

        Tensor above = max.clamp_min(0) / range.Max;
        Tensor below = range.Min < 0 ? min.clamp_max(0) / range.Min : zeros_like(min);
        Tensor covering = maximum(above, below);
        _step.copy_(QuantizerMath.OneWhereZero(covering));
        if (Initialization == RangeInitialization.Mse
            && MseRange.Step(statistics.Sample(), covering.item<double>(), range) is { } shrunk)
        {
            _step.fill_(shrunk);
        }
    }
}
