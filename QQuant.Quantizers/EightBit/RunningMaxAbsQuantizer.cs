using QQuant;
using QQuant.Export;
using QQuant.Quantizers.Kernels;
using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// The input quantizer of the 8-bit layers: a uniform grid whose range follows the data through a running maximum
/// (buffer <c>running_max</c>), so in evaluation the scale is fixed state and a sample's output does not depend on
/// the other samples of its batch. <c>q = round(clamp(x / s, Qn, Qp)) · s</c> with <c>s = r / Qp</c>, <c>r</c> the
/// running maximum, and the integer range of <see cref="IntegerRange.Of"/>: <c>[−2^(b−1), 2^(b−1) − 1]</c> signed,
/// <c>[0, 2^b − 1]</c> unsigned. That is the grid ONNX's <c>QuantizeLinear</c> computes with scale <c>s</c> and zero
/// point 0, so it exports exactly.
/// </summary>
/// <remarks>
/// <para>State: the first training batch (or calibration, over all its batches) sets <c>r</c> to the data's largest
/// magnitude (signed) or largest value (unsigned), and <see cref="ActivationSign.Auto"/> picks the unsigned grid
/// when that data has no negative value. Every later training batch first updates
/// <c>r ← (1 − m)·r + m·max</c> with the momentum <c>m</c> (0.1 by default, as BatchNorm's running statistics), then
/// is quantized with the updated <c>r</c>, as PyTorch's moving-average observers do. Evaluation never changes it. A
/// running maximum of 0 (all-zero data) acts as 1.</para>
/// <para>Gradient: straight-through, 1 for the input inside <c>[Qn·s, Qp·s]</c> and 0 where it was clipped; nothing
/// is learned.</para>
/// </remarks>
public sealed class RunningMaxAbsQuantizer : CalibratedQuantizer, IExportableQuantizer
{
    /// <summary>The default momentum of the running maximum.</summary>
    public const double DefaultMomentum = 0.1;

    [ComponentName(Name = "running_max")]
    private Tensor _running_max;

    /// <summary>Creates the quantizer.</summary>
    /// <param name="bits">1..8 (2..8 for a signed grid).</param>
    /// <param name="sign">The grid's sign, or Auto to decide it from the initialisation data.</param>
    /// <param name="momentum">The weight of each training batch's maximum in the running one, in (0, 1].</param>
    public RunningMaxAbsQuantizer(int bits, ActivationSign sign, double momentum = DefaultMomentum)
        : base(nameof(RunningMaxAbsQuantizer), bits, sign, perChannel: false)
    {
        UniformGrid.RequireBits(bits, sign, nameof(RunningMaxAbsQuantizer));
        if (!(momentum > 0 && momentum <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum of a running maximum lies in (0, 1].");
        }

        Momentum = momentum;
        _running_max = ones(1).DetachFromDisposeScope();
        RegisterComponents();
    }

    /// <summary>The weight of each training batch's maximum in the running one.</summary>
    public double Momentum { get; }

    /// <summary>The running maximum <c>r</c>, shape <c>[1]</c>.</summary>
    public Tensor RunningMax => _running_max;

    /// <summary>The grid's integer range, <c>[Qn, Qp]</c>, for the sign decided at initialisation.</summary>
    public IntegerRange Range => IntegerRange.Of(Bits, IsSigned);

    /// <inheritdoc />
    protected override bool KernelAccepts(Tensor input) => FusedPath.Accepts(input, _running_max);

    /// <summary>The step <c>s = r / Qp</c> as the float32 (or the state's dtype) every path divides by, shape <c>[1]</c>.</summary>
    public Tensor Scale()
    {
        using var noGrad = no_grad();
        using Tensor range = QuantizerMath.OneWhereZero(_running_max);
        return range / Range.Max;
    }

    /// <inheritdoc />
    protected override QuantizationPass? CreatePass(Tensor input)
    {
        if (!FusesFor(input))
        {
            return null;
        }

        IntegerRange range = Range;
        using Tensor scale = Scale();
        return new KernelPass<AffineGridRule>([new AffineGridRule(CpuFloats.Values(scale)[0], 0, range.Min, range.Max)]);
    }

    /// <inheritdoc />
    protected override Tensor Quantize(Tensor input)
    {
        IntegerRange range = Range;
        using var scope = NewDisposeScope();
        Tensor s = Scale();
        Tensor clamped = (input / s).clamp(range.Min, range.Max);
        return (StraightThrough.Round(clamped) * s).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    /// <remarks>Exact: the step <c>r / Qp</c> and zero point 0 over <c>[Qn, Qp]</c>.</remarks>
    public QuantGrid? ExportGrid(Tensor? weight, out string? reason)
    {
        reason = null;
        using Tensor scale = Scale();
        return GridExport.Uniform(scale, Range, weight);
    }

    /// <inheritdoc />
    protected override string NotInitializedHint =>
        "Checkpoints saved before the 8-bit layers kept a running maximum of their input (when each batch was scaled by "
        + "its own maximum) have none: load one, then QuantCalibration.Calibrate(model, batches, uninitializedOnly: true) "
        + "sets just those from data, and save the model again.";

    /// <inheritdoc />
    protected override bool Track(Tensor input)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor observed = IsSigned ? input.abs().max() : input.max().clamp_min(0);
        if (!observed.isfinite().item<bool>())
        {
            throw new QuantizerStateException(
                Location, $"'{Location}' ({nameof(RunningMaxAbsQuantizer)}) saw NaN or infinite values in a training batch; its running maximum would never recover from them.");
        }

        _running_max.mul_(1 - Momentum).add_(observed.to(_running_max.dtype), alpha: Momentum);
        return true;
    }

    /// <inheritdoc />
    protected override void Initialize(TensorStatistics statistics)
    {
        using var scope = NewDisposeScope();
        Tensor observed = IsSigned ? statistics.MaxAbs() : statistics.Max().clamp_min(0);
        _running_max.copy_(observed.reshape(1));
    }
}
