using QQuant;
using QQuant.Export;
using QQuant.Quantizers.Kernels;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// Differentiable soft quantization (Gong et al., ICCV 2019): the tensor is clipped to learnable bounds
/// <c>[l, u]</c> (parameters <c>lower</c>, <c>upper</c>), cut into <c>2^b − 1</c> intervals of width
/// <c>Δ = (u − l)/(2^b − 1)</c>, and inside interval <c>i</c> the soft function
/// <c>φ(x) = tanh(k(x − m_i)) / (1 − α)</c>, <c>k = ln(2/α − 1)/Δ</c>, <c>m_i = l + (i + ½)Δ</c>, stands in for
/// rounding: the forward value is <c>l + Δ(i + (sgn φ + 1)/2)</c> (the nearest level; exact midpoints go up) and the
/// backward pass uses φ's gradient. α (parameter <c>alpha</c>, the paper's characteristic variable) is learnable.
/// </summary>
/// <remarks>
/// <para>As in the paper, the midpoints <c>m_i</c> are constants, so the tanh slope
/// <c>Δ/2 · k/(1 − α) · sech²(k(x − m_i))</c> reaches the input (the Python reference's midpoints depend on the
/// input, which reduces the gradient to a plain straight-through one). Elements clipped by the bounds give the input
/// no gradient and the bound they hit a gradient of 1 (the soft value of a clipped element is exactly that bound); the
/// bounds also learn through Δ and the midpoints. The backward pass is exactly <see cref="SoftQuantize"/>'s. α acts clamped to
/// <c>[1e−6, 0.5 − 1e−6]</c>, and <see cref="ProjectState"/> (after every optimizer step) puts the parameter back there
/// and keeps the bounds in order.
/// <see cref="SoftQuantize"/> returns the differentiable surrogate itself.</para>
/// <para>Initialisation: <c>l = min x</c>, <c>u = max x</c> (<c>l</c> no lower than 0 for an unsigned grid); a
/// constant tensor gets <c>[c − ½, c + ½]</c>. α starts at its initial value (default 0.2) and is not changed by
/// initialisation. One set of bounds per tensor. With <see cref="RangeInitialization.Mse"/> the bounds are then
/// the grid's ends inside that range with the least squared quantization error on a sample of the data.</para>
/// </remarks>
public sealed class DsqQuantizer : CalibratedQuantizer, IExportableQuantizer
{
    private const double AlphaFloor = 1e-6;
    private const double AlphaCeiling = 0.5 - 1e-6;

    [ComponentName(Name = "alpha")]
    private Parameter _alpha;

    [ComponentName(Name = "lower")]
    private Parameter _lower;

    [ComponentName(Name = "upper")]
    private Parameter _upper;

    /// <summary>Creates the quantizer.</summary>
    /// <param name="bits">1..8.</param>
    /// <param name="sign">Unsigned keeps the lower bound at 0 or above; Signed and Auto take the data's range.</param>
    /// <param name="initialAlpha">α's starting value, in (0, 0.5).</param>
    /// <param name="initialization">How the bounds start from data.</param>
    public DsqQuantizer(int bits, ActivationSign sign, double initialAlpha = 0.2, RangeInitialization initialization = RangeInitialization.MinMax)
        : base(nameof(DsqQuantizer), bits, sign, perChannel: false)
    {
        if (bits > 8)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, "DSQ takes 1..8 bits.");
        }

        if (!(initialAlpha > 0 && initialAlpha < 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(initialAlpha), initialAlpha, "DSQ's alpha lies in (0, 0.5).");
        }

        Initialization = initialization;
        _alpha = QuantizerMath.State(1, initialAlpha);
        _lower = QuantizerMath.State(1, 0.0);
        _upper = QuantizerMath.State(1, 1.0);
        RegisterComponents();
    }

    /// <summary>How the bounds start from data.</summary>
    public RangeInitialization Initialization { get; }

    /// <summary>The learnable characteristic variable α.</summary>
    public Parameter Alpha => _alpha;

    /// <summary>The learnable lower clipping bound.</summary>
    public Parameter Lower => _lower;

    /// <summary>The learnable upper clipping bound.</summary>
    public Parameter Upper => _upper;

    /// <inheritdoc />
    /// <remarks>
    /// α is clamped into <c>[1e−6, 0.5 − 1e−6]</c>, the interval the forward uses, so an optimizer cannot carry it
    /// further and further outside; bounds that crossed are swapped, so <c>lower ≤ upper</c> (the same interval).
    /// </remarks>
    public override void ProjectState()
    {
        using var noGrad = no_grad();
        _alpha.clamp_(AlphaFloor, AlphaCeiling);
        using Tensor lower = minimum(_lower, _upper), upper = maximum(_lower, _upper);
        _lower.copy_(lower);
        _upper.copy_(upper);
    }

    /// <inheritdoc />
    protected override bool KernelAccepts(Tensor input) => FusedPath.Accepts(input, _alpha);

    /// <summary>
    /// The differentiable surrogate <c>l + Δ(i + (φ(x) + 1)/2)</c> whose gradient the forward pass uses: finite
    /// differences of this function check the forward's gradients.
    /// </summary>
    public Tensor SoftQuantize(Tensor input) => Compute(input, soft: true);

    /// <inheritdoc />
    protected override Tensor Quantize(Tensor input) => Compute(input, soft: false);

    /// <inheritdoc />
    /// <remarks>
    /// The hard forward's levels <c>l + kδ</c> are <c>(k + l/δ) · δ</c>: the step δ with the zero point <c>−l/δ</c>,
    /// rounded to an integer for an input (the report says by how much the grid moves). A weight keeps its exact
    /// levels only when <c>l/δ</c> is an integer; otherwise it has no integer grid. DSQ sends exact midpoints up
    /// where ONNX rounds them to even.
    /// </remarks>
    public QuantGrid? ExportGrid(Tensor? weight, out string? reason)
    {
        int intervals = (1 << Bits) - 1;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor delta = (_upper - _lower).clamp_min(QuantizerMath.MinimumScale) / intervals;
        float step = GridExport.Floats(delta)[0], lower = GridExport.Floats(_lower)[0];
        double offset = lower / (double)step;
        const string Rounding = "DSQ sends exact midpoints up where ONNX rounds half to even";
        QuantGrid? grid = GridExport.Shifted(step, offset, lower, new IntegerRange(0, intervals), Rounding);
        reason = grid is null ? "DSQ's levels and zero point do not fit an 8-bit container" : null;
        if (grid is null || weight is null)
        {
            return grid;
        }

        if (offset != Math.Round(offset))
        {
            reason = $"the weight's lower bound is {offset:G6} steps from zero, not a whole number, so its levels need a fractional zero point";
            return null;
        }

        Tensor index = ((weight.clamp(lower, GridExport.Floats(_upper)[0]) - _lower) / delta).floor_().clamp_(0, intervals - 1);
        Tensor up = weight >= _lower + ((index + 0.5) * delta);
        Tensor codes = index + up.to(index.dtype) + (grid.Range.Min);
        return grid with { Codes = GridExport.Codes(codes) };
    }

    /// <inheritdoc />
    protected override void Initialize(TensorStatistics statistics)
    {
        using var scope = NewDisposeScope();
        Tensor lower = statistics.Min(), upper = statistics.Max();
        if (Sign == ActivationSign.Unsigned)
        {
            lower = lower.clamp_min(0);
            upper = maximum(upper, lower);
        }

        Tensor constant = upper <= lower;
        _lower.copy_(where(constant, lower - 0.5, lower));
        _upper.copy_(where(constant, upper + 0.5, upper));
        var range = new IntegerRange(0, (1 << Bits) - 1);
        if (Initialization == RangeInitialization.Mse
            && MseRange.WithOffset(statistics.Sample(), lower.item<double>(), upper.item<double>(), range) is { } grid)
        {
            // The levels l + kΔ are the grid's offset plus k steps.
            _lower.fill_(grid.Offset);
            _upper.fill_(grid.Offset + (range.Steps * grid.Step));
        }
    }

    /// <inheritdoc />
    /// <remarks>A sample for the error search of <see cref="RangeInitialization.Mse"/>; none otherwise.</remarks>
    protected override int SampleSize => Initialization == RangeInitialization.Mse ? MseRange.SampleSize : 0;

    /// <inheritdoc />
    protected override QuantizationPass? CreatePass(Tensor input)
    {
        if (!FusesFor(input))
        {
            return null;
        }

        int intervals = (1 << Bits) - 1;
        DsqSoftStepRule rule;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            // The scalars with the composed path's own tensor operations, so both agree bit for bit.
            Tensor span = _upper - _lower;
            Tensor delta = span.clamp_min(QuantizerMath.MinimumScale) / intervals;
            Tensor alpha = _alpha.clamp(AlphaFloor, AlphaCeiling);
            Tensor logTerm = (2 / alpha - 1).log();
            float[] values = CpuFloats.Values(cat([_lower, _upper, delta, logTerm / delta, logTerm, alpha, (span >= QuantizerMath.MinimumScale).to(float32)]));
            rule = new DsqSoftStepRule(values[0], values[1], values[2], intervals, values[3], values[4], values[5], values[6] > 0);
        }

        return new KernelPass<DsqSoftStepRule>(
            [rule], new FusedParameter(_lower, [1], Sum: 0), new FusedParameter(_upper, [1], Sum: 1), new FusedParameter(_alpha, [1], Sum: 2));
    }

    private Tensor Compute(Tensor input, bool soft)
    {
        using var scope = NewDisposeScope();
        int intervals = (1 << Bits) - 1;
        Tensor l = _lower, u = _upper;
        Tensor x = where(input < l, l, where(input > u, u, input));
        Tensor delta = (u - l).clamp_min(QuantizerMath.MinimumScale) / intervals;
        Tensor index;
        using (no_grad())
        {
            index = ((x - l) / delta).floor_().clamp_(0, intervals - 1);
        }

        // The interval index is a constant (so the tanh slope reaches x); the midpoint still moves with the bounds.
        Tensor middle = l + (index + 0.5) * delta;
        Tensor alpha = StraightThrough.Pass(_alpha, _alpha.clamp(AlphaFloor, AlphaCeiling));
        Tensor k = (2 / alpha - 1).log() / delta;
        Tensor phi = (k * (x - middle)).tanh() / (1 - alpha);
        Tensor softValue = l + delta * (index + (phi + 1) / 2);
        if (soft)
        {
            return softValue.MoveToOuterDisposeScope();
        }

        Tensor hard = l + delta * (index + (phi >= 0).to(phi.dtype));
        return StraightThrough.Pass(softValue, hard).MoveToOuterDisposeScope();
    }
}
