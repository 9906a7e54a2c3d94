using QQuant;
using QQuant.Export;
using QQuant.Quantizers.Kernels;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>
/// Additive powers-of-two quantization (Li et al., ICLR 2020) and its uniform ablation: the tensor is divided by a
/// learnable clipping level α (parameter <c>alpha</c>), clamped to <c>[0, 1]</c> (<c>[−1, 1]</c> when signed),
/// rounded to the nearest level of the grid, and multiplied by α again. Weights are first standardised,
/// <c>ŵ = (w − mean w) / std w</c>, as in the paper, or only scaled, <c>ŵ = w / std w</c> (not centred).
/// <para>Centring changes what the layer computes (each output loses <c>mean w</c> times its input patch's sum, which
/// no BatchNorm statistic absorbs), so even at 8 bits a centred weight starts below the float model; a scaled one
/// differs from it only by a per-channel factor that BatchNorm re-estimation absorbs.</para>
/// </summary>
/// <remarks>
/// <para>Grids: <see cref="APoTGrid.PowerOfTwo"/> rounds magnitudes to <see cref="PowerOfTwoLevels"/> of
/// <c>b − 1</c> bits for a signed tensor (a sign bit plus magnitudes; 2..7 bits) or <c>b</c> bits for an unsigned one
/// (1..6 bits); ties go to the smaller level. <see cref="APoTGrid.Uniform"/> rounds to <c>L = 2^b − 1</c> even steps
/// on <c>[0, 1]</c>, or <c>L = 2^(b−1) − 1</c> per side when signed (2 bits or more): <c>q = round(d·L)/L</c>.</para>
/// <para>Gradients (the paper's reparameterised clipping function): rounding is straight-through; the input gets 1
/// inside the clipping range and 0 outside; α gets <c>q − d</c> inside and ±1 outside (d = x/α). Weights beyond the
/// clip get the incoming gradient instead of 0 where <see cref="PassesClippedGradient"/> (by default at 2 bits, as the
/// authors' code; see <see cref="ClippedWeightGradient"/>). Standardisation is differentiated exactly. α acts as
/// <c>max(|α|, 1e−8)</c>.</para>
/// <para>Initialisation: weights start at α = 3 (three standard deviations of the standardised weight; initialised at
/// construction) or, with <see cref="WeightClipInitialization.Mse"/>, from the weight itself at calibration or the first
/// training step; activations take the given initial clip or, from data, <see cref="ClipInitialization"/>'s statistic.
/// Per-channel weights standardise and clip each output channel on its own.</para>
/// </remarks>
public sealed class APoTQuantizer : CalibratedQuantizer, IExportableQuantizer
{
    /// <summary>The weights' starting clip, in standard deviations of the standardised weight.</summary>
    public const double WeightClip = 3.0;

    [ComponentName(Name = "alpha")]
    private Parameter _alpha;

    // Magnitude levels for each sign the data may choose. Plain arrays, not buffers: they are not state, and
    // TorchSharp's to() does not move non-persistent buffers, so each forward builds them on the input's device.
    private readonly double[]? _signedLevels;
    private readonly double[]? _unsignedLevels;

    private readonly double? _initialClip;

    /// <summary>Creates the quantizer.</summary>
    /// <param name="bits">Bit width; see the remarks for what each grid and sign accepts.</param>
    /// <param name="role">Weights are standardised and signed; activations are not standardised.</param>
    /// <param name="grid">Power-of-two or uniform levels.</param>
    /// <param name="sign">The grid's sign (Signed for weights), or Auto to decide it from the initialisation data.</param>
    /// <param name="channels">Per-channel clips along dimension 0 (weights only), or 1.</param>
    /// <param name="initialClip">α's starting value, or null for the default (weights 3, activations from data).</param>
    /// <param name="additive">Additive power-of-two levels (the paper) rather than plain powers of two.</param>
    /// <param name="clippedGradient">The gradient of weights beyond the clip (weights only; activations beyond it get 0).</param>
    /// <param name="initialization">How an activation's α starts from data when <paramref name="initialClip"/> is null.</param>
    /// <param name="weightInitialization">How a weight's α starts when <paramref name="initialClip"/> is null.</param>
    /// <param name="centersWeight">Whether a weight's mean is subtracted before it is divided by its deviation (the paper).</param>
    public APoTQuantizer(
        int bits,
        TensorRole role,
        APoTGrid grid,
        ActivationSign sign,
        long channels = 1,
        double? initialClip = null,
        bool additive = true,
        ClippedWeightGradient clippedGradient = ClippedWeightGradient.PassAtTwoBits,
        ClipInitialization initialization = ClipInitialization.MeanStd,
        WeightClipInitialization weightInitialization = WeightClipInitialization.ThreeSigma,
        bool centersWeight = true)
        : base(nameof(APoTQuantizer), bits, sign, perChannel: channels > 1,
            initializedAtStart: (initialClip is not null && sign != ActivationSign.Auto)
                                || (role == TensorRole.Weight && weightInitialization == WeightClipInitialization.ThreeSigma))
    {
        if (role == TensorRole.Weight && sign != ActivationSign.Signed)
        {
            throw new ArgumentException("APoT weights are signed.", nameof(sign));
        }

        if (role == TensorRole.Activation && channels > 1)
        {
            throw new ArgumentException("APoT activations have one clip per tensor.", nameof(channels));
        }

        if (BitsProblem(bits, grid, sign) is { } problem)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, problem);
        }

        if (initialClip is <= 0 or double.NaN)
        {
            throw new ArgumentOutOfRangeException(nameof(initialClip), initialClip, "The clipping level must be positive.");
        }

        Role = role;
        Grid = grid;
        PassesClippedGradient = role == TensorRole.Weight
                                && (clippedGradient == ClippedWeightGradient.Pass || (clippedGradient == ClippedWeightGradient.PassAtTwoBits && bits <= 2));
        _initialClip = initialClip;
        Initialization = initialization;
        WeightInitialization = weightInitialization;
        CentersWeight = centersWeight;
        _alpha = QuantizerMath.State(channels, initialClip ?? (role == TensorRole.Weight ? WeightClip : 1.0));
        if (grid == APoTGrid.PowerOfTwo)
        {
            _signedLevels = sign != ActivationSign.Unsigned ? PowerOfTwoLevels.Of(bits - 1, additive) : null;
            _unsignedLevels = sign != ActivationSign.Signed ? PowerOfTwoLevels.Of(bits, additive) : null;
        }

        RegisterComponents();
    }

    /// <summary>How an activation's α starts from data.</summary>
    public ClipInitialization Initialization { get; }

    /// <summary>How a weight's α starts.</summary>
    public WeightClipInitialization WeightInitialization { get; }

    /// <summary>True when a weight's mean is subtracted before the division by its deviation (the paper).</summary>
    public bool CentersWeight { get; }

    /// <summary>Whether this quantizes a weight or an activation.</summary>
    public TensorRole Role { get; }

    /// <summary>The levels the quantizer rounds to.</summary>
    public APoTGrid Grid { get; }

    /// <summary>True when weights beyond the clip get the incoming gradient rather than 0.</summary>
    public bool PassesClippedGradient { get; }

    /// <summary>The learnable clipping level α, shape <c>[channels]</c>.</summary>
    public Parameter Alpha => _alpha;

    /// <inheritdoc />
    protected override bool KernelAccepts(Tensor input) => FusedPath.Accepts(input, _alpha);

    /// <summary>Why <paramref name="bits"/> cannot make the grid, or null.</summary>
    public static string? BitsProblem(int bits, APoTGrid grid, ActivationSign sign)
    {
        bool signedPossible = sign != ActivationSign.Unsigned;
        (int min, int max) = sign switch
        {
            ActivationSign.Signed => (2, PowerOfTwoLevels.MaxBits + 1),
            ActivationSign.Unsigned => (1, PowerOfTwoLevels.MaxBits),
            _ => (2, PowerOfTwoLevels.MaxBits),
        };
        return grid switch
        {
            _ when bits > 8 => "takes at most 8 bits",
            APoTGrid.Uniform when signedPossible && bits < 2 => "needs 2 bits or more for a signed or Auto grid",
            APoTGrid.PowerOfTwo when bits < min || bits > max =>
                $"takes {min}..{max} bits with a {sign} grid (level sets exist for 1..{PowerOfTwoLevels.MaxBits} magnitude bits, plus a sign bit when signed)",
            _ => null,
        };
    }

    /// <inheritdoc />
    protected override QuantizationPass? CreatePass(Tensor input)
    {
        if (!FusesFor(input))
        {
            return null;
        }

        (float[] alphas, float[] derivative) = LearnedScale.Read(_alpha);
        var parameter = new FusedParameter(_alpha, derivative);
        if (Role == TensorRole.Activation)
        {
            return new KernelPass<APoTGridRule>([GridRule(alphas[0])], parameter);
        }

        using var noGrad = no_grad();
        (Tensor mean, Tensor std) = Moments(input);
        using (mean)
        using (std)
        {
            float[] means = CpuFloats.Values(mean);
            return new APoTStandardizedWeightPass([.. means.Select((_, row) => GridRule(alphas[alphas.Length == 1 ? 0 : row]))], means, CpuFloats.Values(std), CentersWeight, parameter);
        }
    }

    /// <inheritdoc />
    protected override Tensor Quantize(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor t = Role == TensorRole.Weight ? Standardize(input) : input;
        Tensor alpha = AlongChannels(QuantizerMath.Positive(_alpha), input);
        Tensor d = (t / alpha).clamp(IsSigned ? -1 : 0, 1);
        if (PassesClippedGradient)
        {
            // Adds zero; its gradient reaches only the clipped elements of t, and α's stays the clamp's.
            using Tensor clipped = (t.detach() / alpha.detach()).abs().gt(1);
            d = d + (t - t.detach()) * clipped / alpha.detach();
        }

        Tensor q;
        if (Grid == APoTGrid.Uniform)
        {
            int steps = IntegerRange.Of(Bits, IsSigned).Max;
            q = StraightThrough.Round(d * steps) / steps;
        }
        else
        {
            q = StraightThrough.Pass(d, NearestLevels(d));
        }

        return (q * alpha).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    /// <remarks>
    /// The uniform grid: the step <c>α / L</c> (per channel with per-channel clips) over <c>[−L, L]</c> or <c>[0, L]</c>;
    /// ONNX divides by the step where training divides by α and multiplies by L, equal up to the last bit. A weight is
    /// standardised first, as in training. The power-of-two levels are not uniform, so they have no integer grid.
    /// </remarks>
    public QuantGrid? ExportGrid(Tensor? weight, out string? reason)
    {
        if (Grid != APoTGrid.Uniform)
        {
            reason = "APoT's power-of-two levels are not evenly spaced, so no scale and zero point express them";
            return null;
        }

        reason = null;
        int steps = IntegerRange.Of(Bits, IsSigned).Max;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor step = QuantizerMath.Positive(_alpha.detach()) / steps;
        var range = new IntegerRange(IsSigned ? -steps : 0, steps);
        const string Division = "ONNX divides by the step alpha/L where training divides by alpha and multiplies by L: equal up to the last bit";
        if (weight is null)
        {
            return GridExport.Uniform(step, range, null, Division);
        }

        Tensor t = Standardize(weight);
        Tensor d = (t / AlongChannels(QuantizerMath.Positive(_alpha.detach()), t)).clamp(range.Min < 0 ? -1 : 0, 1);
        return new QuantGrid(GridExport.Floats(step), 0, range, GridExport.Codes((d * steps).round()), Division);
    }

    /// <inheritdoc />
    protected override void Initialize(TensorStatistics statistics)
    {
        if (Role == TensorRole.Weight && WeightInitialization == WeightClipInitialization.ThreeSigma)
        {
            return;
        }

        using var scope = NewDisposeScope();
        _alpha.copy_(Role == TensorRole.Weight
            ? WeightStart(statistics)
            : DataClip.Start(_alpha, _initialClip, statistics, Initialization, IsSigned, NormalisedGrid()));
    }

    /// <inheritdoc />
    /// <remarks>A sample for the error search of <see cref="ClipInitialization.Mse"/> or <see cref="WeightClipInitialization.Mse"/>; none otherwise.</remarks>
    protected override int SampleSize =>
        (Role == TensorRole.Activation ? Initialization == ClipInitialization.Mse : WeightInitialization == WeightClipInitialization.Mse)
            ? MseRange.SampleSize
            : 0;

    // Each clip's least-error α on its standardised weight (standardised with the whole weight's moments, as the
    // forward does); max|ŵ| where no smaller α is better, WeightClip where the weight has no spread.
    private Tensor WeightStart(TensorStatistics statistics)
    {
        Tensor center = CentersWeight ? statistics.Mean().view(-1, 1) : zeros(1, 1, float64, _alpha.device);
        Tensor std = QuantizerMath.OneWhereZero(statistics.Std()).view(-1, 1);
        Tensor standardized = (statistics.Sample().view(std.shape[0], -1) - center) / std;
        Tensor reach = maximum((statistics.Min().view(-1, 1) - center).abs(), (statistics.Max().view(-1, 1) - center).abs()) / std;
        double[] maxAbs = reach.flatten().cpu().data<double>().ToArray();
        double?[] clips = MseRange.Clips(standardized, maxAbs, signed: true, NormalisedGrid());
        double[] start = [.. clips.Select((clip, row) => clip ?? (maxAbs[row] > 0 ? maxAbs[row] : WeightClip))];
        return tensor(start, _alpha.dtype, _alpha.device);
    }

    // The forward's rounding of d = clamp(x/α) in [lo, 1], as a function for the clip's error search.
    private Func<Tensor, Tensor> NormalisedGrid()
    {
        if (Grid == APoTGrid.Uniform)
        {
            return DataClip.Uniform(IntegerRange.Of(Bits, IsSigned).Max);
        }

        return NearestLevels;
    }

    // Each element of d in [lo, 1] to the nearest power-of-two level of its sign (no gradient).
    private Tensor NearestLevels(Tensor d)
    {
        using var scope = NewDisposeScope();
        Tensor levels = tensor(IsSigned ? _signedLevels! : _unsignedLevels!, d.dtype, d.device);
        Tensor boundaries = (levels[..^1] + levels[1..]) / 2;
        Tensor magnitude = d.detach().abs();
        return (d.detach().sign() * levels.take(bucketize(magnitude, boundaries))).MoveToOuterDisposeScope();
    }

    private Tensor Standardize(Tensor w)
    {
        (Tensor mean, Tensor std) = Moments(w);
        return (CentersWeight ? w - mean : w) / QuantizerMath.OneWhereZero(std);
    }

    // Per channel (kept dimensions) or per tensor: what both paths standardise with.
    private (Tensor Mean, Tensor Std) Moments(Tensor w)
    {
        if (PerChannel && w.dim() > 1)
        {
            long[] dims = QuantizerMath.OtherDimensions(w);
            return (w.mean(dims, keepdim: true), w.std(dims, unbiased: true, keepdim: true));
        }

        return (w.mean(), w.std());
    }

    private APoTGridRule GridRule(float alpha) => Grid == APoTGrid.Uniform
        ? APoTGridRule.Uniform(alpha, IsSigned, IntegerRange.Of(Bits, IsSigned).Max, PassesClippedGradient)
        : APoTGridRule.Levels(alpha, IsSigned, [.. (IsSigned ? _signedLevels! : _unsignedLevels!).Select(v => (float)v)], PassesClippedGradient);
}
