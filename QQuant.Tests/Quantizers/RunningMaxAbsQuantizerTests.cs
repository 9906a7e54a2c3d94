using QQuant;
using QQuant.Quantizers;
using QQuant.Tests.Quantizers.Kernels;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Configuration.ConfigurationTestSupport;
using static QQuant.Tests.Quantizers.Properties.PropertySupport;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers;

/// <summary>
/// The 8-bit layers' input quantizer: <c>q = round_half_even(clamp(x/s, Qn, Qp))·s</c> with <c>s = r/Qp</c> and
/// <c>r</c> the running maximum. Forward and gradient by hand, the running update, the sign decision, calibration, the
/// fused kernel against the composed path, state, and the checks on bits and momentum.
/// </summary>
public class RunningMaxAbsQuantizerTests
{
    /// <summary>Where a forward runs: float64 state and input (composed path), or float32 through either path.</summary>
    public enum Path
    {
        Float64,
        Fused,
        Composed,
    }

    public static TheoryData<Path> Paths() => [Path.Float64, Path.Fused, Path.Composed];

    private static ScalarType DtypeOf(Path path) => path == Path.Float64 ? float64 : float32;

    /// <summary>A quantizer for <paramref name="path"/>, initialised from <paramref name="data"/> as calibration would, in evaluation mode.</summary>
    private static RunningMaxAbsQuantizer Initialised(
        int bits, ActivationSign sign, double[] data, Path path = Path.Float64, double momentum = RunningMaxAbsQuantizer.DefaultMomentum)
    {
        var q = new RunningMaxAbsQuantizer(bits, sign, momentum) { UseFusedKernel = path == Path.Fused };
        if (path == Path.Float64)
        {
            q.to(float64);
        }

        using (Tensor t = Vector(data))
        {
            q.InitializeFrom(t);
        }

        q.eval();
        return q;
    }

    /// <summary>
    /// The evaluation forward of <paramref name="input"/> is exactly <paramref name="expected"/>, and the input's
    /// gradient is the upstream one where <paramref name="inside"/> is 1 (<c>Qn ≤ x/s ≤ Qp</c>) and 0 where x was clipped.
    /// </summary>
    private static void AssertQuantizes(
        Path path, int bits, ActivationSign sign, double[] init, double[] input, double[] expected, int[] inside)
    {
        using var scope = NewDisposeScope();
        using RunningMaxAbsQuantizer q = Initialised(bits, sign, init, path);
        Tensor x = Vector(input).to(DtypeOf(path)).requires_grad_(true);
        // Upstream gradients 1, 2, 3, ...: every step here is a power of two, so g·s/s is exact on the composed path.
        Tensor g = arange(1, input.Length + 1, dtype: DtypeOf(path));
        Assert.Equal(path == Path.Fused, q.FusesFor(x));

        Tensor y = q.call(x);
        (y * g).sum().backward();

        Assert.Equal(DtypeOf(path), y.dtype);
        Close(expected, y, 0);
        Close([.. inside.Select((k, i) => k * (i + 1.0))], x.grad!, 0);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Forward and input gradient by hand. Each running maximum r is Qp·2^k, so s = 2^k and x/s is exact: the ties
    // below are real ties, which round half to even. [Qn, Qp] is [−2^(b−1), 2^(b−1) − 1] signed, [0, 2^b − 1] unsigned.
    // ---------------------------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Paths))]
    public void Signed_4_bit_rounds_half_to_even_and_clips_beyond_the_running_maximum(Path path)
    {
        // r = 3.5, s = 0.5, [−8, 7]. x/s: 0.5→0, 1.5→2, 2.5→2, −1.5→−2, −2.5→−2 (ties), 0.6→1, 7→7 (at Qp, inside),
        // 7.2→clamp 7 (clipped), 10→7 (clipped), −7.5→−8 (tie), −8→−8 (at Qn, inside), −12→−8 (clipped); q = k·0.5.
        AssertQuantizes(
            path, 4, ActivationSign.Signed, init: [-3.5, 1],
            input: [0.25, 0.75, 1.25, -0.75, -1.25, 0.3, 3.5, 3.6, 5, -3.75, -4, -6],
            expected: [0, 1, 1, -1, -1, 0.5, 3.5, 3.5, 3.5, -4, -4, -4],
            inside: [1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0]);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Signed_8_bit_reaches_minus_128_steps_below_zero(Path path)
    {
        // r = 127/16, s = 1/16, [−128, 127]. x/s: 0.5→0, 1.5→2, −2.5→−2, 64.5→64, −127.5→−128 (ties), −136→−128 (clipped),
        // 144→127 (clipped), 127→127 (at Qp); q = k/16.
        AssertQuantizes(
            path, 8, ActivationSign.Signed, init: [7.9375, -2],
            input: [0.03125, 0.09375, -0.15625, 4.03125, -7.96875, -8.5, 9, 7.9375],
            expected: [0, 0.125, -0.125, 4, -8, -8, 7.9375, 7.9375],
            inside: [1, 1, 1, 1, 1, 0, 0, 1]);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Signed_3_bit(Path path)
    {
        // r = 0.75, s = 0.25, [−4, 3]. x/s: 0.5→0, 1.5→2, 2.5→2, −3.5→−4 (ties), −4→−4 (at Qn), −4.4→−4 (clipped),
        // 3.2→3 (clipped); q = k/4.
        AssertQuantizes(
            path, 3, ActivationSign.Signed, init: [0.75],
            input: [0.125, 0.375, 0.625, -0.875, -1, -1.1, 0.8],
            expected: [0, 0.5, 0.5, -1, -1, -1, 0.75],
            inside: [1, 1, 1, 1, 1, 0, 0]);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Signed_2_bit_clamps_before_it_rounds(Path path)
    {
        // r = 1, s = 1, [−2, 1]. x/s: 0.5→0, −0.5→−0 (ties), 1.5→clamp 1 (clipped), −1.5→−2 (tie), −2.5→−2 (clipped),
        // −1.2→−1, 0.7→1, 1→1 (at Qp).
        AssertQuantizes(
            path, 2, ActivationSign.Signed, init: [1, -0.5],
            input: [0.5, -0.5, 1.5, -1.5, -2.5, -1.2, 0.7, 1],
            expected: [0, 0, 1, -2, -2, -1, 1, 1],
            inside: [1, 1, 0, 1, 0, 1, 1, 1]);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Unsigned_1_bit_takes_the_largest_value_not_the_largest_magnitude(Path path)
    {
        // Initialised on [2, −5]: r = max(x, 0) = 2, s = 2, [0, 1]. x/s: 0.5→0 (tie), 1.5→1 (clipped), −0.5→0 (clipped),
        // 0.6→1, 1→1 (at Qp), 0→0 (at Qn, inside).
        AssertQuantizes(
            path, 1, ActivationSign.Unsigned, init: [2, -5],
            input: [1, 3, -1, 1.2, 2, 0],
            expected: [0, 2, 0, 2, 2, 0],
            inside: [1, 0, 0, 1, 1, 1]);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Unsigned_4_bit(Path path)
    {
        // r = 7.5, s = 0.5, [0, 15]. x/s: 0.5→0, 1.5→2, 2.5→2, 14.5→14 (ties), 15→15 (at Qp), 18→15 (clipped), −1→0 (clipped).
        AssertQuantizes(
            path, 4, ActivationSign.Unsigned, init: [7.5, 1],
            input: [0.25, 0.75, 1.25, 7.25, 7.5, 9, -0.5],
            expected: [0, 1, 1, 7, 7.5, 7.5, 0],
            inside: [1, 1, 1, 1, 1, 0, 0]);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Unsigned_8_bit_chosen_by_Auto_for_non_negative_data(Path path)
    {
        // Auto, initialised on non-negative data: unsigned, r = 255/8, s = 1/8, [0, 255]. x/s: 0.5→0, 1.5→2, 127.5→128,
        // 128.5→128 (ties), 320→255 (clipped), −24→0 (clipped); q = k/8.
        AssertQuantizes(
            path, 8, ActivationSign.Auto, init: [31.875, 0, 3],
            input: [0.0625, 0.1875, 15.9375, 16.0625, 40, -3],
            expected: [0, 0.25, 16, 16, 31.875, 0],
            inside: [1, 1, 1, 1, 0, 0]);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_running_maximum_of_zero_acts_as_one(Path path)
    {
        // All-zero data: r = 0, which acts as 1, so s = 1/Qp = 1 at 2 bits signed, [−2, 1]. x/s: 0.5→0 (tie),
        // −1.5→−2 (tie), 3→1 (clipped), −0.25→−0, 0→0.
        AssertQuantizes(
            path, 2, ActivationSign.Signed, init: [0, 0, 0],
            input: [0.5, -1.5, 3, -0.25, 0],
            expected: [0, -2, 1, 0, 0],
            inside: [1, 1, 0, 1, 1]);

        // Unsigned data that is all negative has a largest value of 0 too: 1 bit, s = 1, [0, 1].
        AssertQuantizes(
            path, 1, ActivationSign.Unsigned, init: [-1, -2],
            input: [0.5, 0.75, 2, -1],
            expected: [0, 1, 1, 0],
            inside: [1, 1, 0, 0]);

        using RunningMaxAbsQuantizer q = Initialised(2, ActivationSign.Signed, [0, 0], path);
        using Tensor scale = q.Scale();
        Close([0], q.RunningMax, 0);
        Close([1], scale, 0);
    }

    [Fact]
    public void The_input_gradient_is_the_finite_difference_over_one_grid_step()
    {
        // q is a staircase, so a difference over h < s is 0 almost everywhere. The straight-through gradient is the
        // staircase's slope over one step, (q(x + s) − q(x − s)) / 2s: 1 where x ± s stay inside [Qn·s, Qp·s] and 0 where
        // both are clipped on the same side. Elements whose neighbours straddle a clipping bound are not compared.
        using var scope = NewDisposeScope();
        const double s = 0.25;
        using RunningMaxAbsQuantizer q = Initialised(4, ActivationSign.Signed, [1.75, -1]); // s = 0.25, [−8, 7]
        IntegerRange range = q.Range;
        using var generator = new Generator(31);
        Tensor x = (randn([400], float64, generator: generator) * 1.5).requires_grad_(true);

        q.call(x).sum().backward();

        double[] gradient = Values(x.grad!);
        double[] v = Values(x.detach() / s);
        double[] difference;
        using (no_grad())
        {
            difference = Values((q.call(x.detach() + s) - q.call(x.detach() - s)) / (2 * s));
        }

        int inside = 0, clipped = 0;
        for (int i = 0; i < v.Length; i++)
        {
            if (v[i] - 1 >= range.Min && v[i] + 1 <= range.Max)
            {
                Assert.Equal(1.0, difference[i]);
                inside++;
            }
            else if (v[i] + 1 < range.Min || v[i] - 1 > range.Max)
            {
                Assert.Equal(0.0, difference[i]);
                clipped++;
            }
            else
            {
                continue;
            }

            Assert.True(difference[i] == gradient[i], $"element {i}: x = {v[i] * s:R}, gradient {gradient[i]}, difference {difference[i]}");
        }

        Assert.True(inside > 200 && clipped > 20, $"{inside} inside, {clipped} clipped: the data should cover both");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The running maximum: first training batch, tracking, evaluation, sign, calibration.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Four training batches for a 2-bit signed quantizer with momentum 0.25 (so s = r and q ∈ {−2r, −r, 0, r}), the
    /// running maximum after each and its quantization; every value is exact in float32.
    /// </summary>
    private static readonly (double[] Batch, double RunningMax, double[] Quantized)[] Tracking =
    [
        // Initialises r = max|x| = 2 (not tracked). x/r = [1, −0.5, 0.25] → [1, −0 (tie), 0].
        ([2, -1, 0.5], 2, [2, 0, 0]),
        // r = 0.75·2 + 0.25·4 = 2.5. x/r = [1.6→clamp 1, −0.5→−0 (tie), 0.52→1]; the old r = 2 would give [2, −2, 2].
        ([4, -1.25, 1.3], 2.5, [2.5, 0, 2.5]),
        // r = 0.75·2.5 + 0.25·3 = 2.625. x/r = [−1.14→−1, 0.5→0 (tie), 0.19→0]; the old r would give [−2.5, 2.5, 0].
        ([-3, 1.3125, 0.5], 2.625, [-2.625, 0, 0]),
        // r = 0.75·2.625 + 0.25·8 = 3.96875. x/r = [2.02→clamp 1, −1.51→−2, 0.25→0].
        ([8, -6, 1], 3.96875, [3.96875, -7.9375, 0]),
    ];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Each_training_batch_moves_the_running_maximum_before_it_is_quantized(bool fused)
    {
        using var scope = NewDisposeScope();
        using var q = new RunningMaxAbsQuantizer(2, ActivationSign.Signed, momentum: 0.25) { UseFusedKernel = fused };

        foreach (var (batch, runningMax, quantized) in Tracking)
        {
            Tensor y = q.call(Vector(batch).to(float32));

            Close([runningMax], q.RunningMax, 0);
            Close(quantized, y, 0);
        }
    }

    /// <summary>
    /// The ways a training forward reaches the quantizer: called alone, called by a linear layer, and inside a
    /// convolution that either takes its pass (computing the quantization in the layer's own node) or calls it.
    /// </summary>
    public static TheoryData<string> Routes() => ["quantizer", "EightBitLinear", "EightBitConv, pass", "EightBitConv, call"];

    private sealed record Route(nn.Module<Tensor, Tensor> Module, RunningMaxAbsQuantizer Quantizer)
    {
        /// <summary>A forward of the three values of <paramref name="batch"/> (float32, as one sample).</summary>
        public Tensor Forward(double[] batch)
        {
            using var scope = NewDisposeScope();
            Tensor x = Vector(batch).to(float32);
            Tensor input = Module switch
            {
                QuantizedConv2d => x.view(1, 3, 1, 1),
                QuantizedLinear => x.view(1, 3),
                _ => x,
            };
            return Module.call(input).MoveToOuterDisposeScope();
        }
    }

    /// <summary>A signed <paramref name="bits"/>-bit input quantizer with <paramref name="momentum"/>, reached by <paramref name="route"/>.</summary>
    private static Route RouteFor(string route, int bits, double momentum)
    {
        if (route == "quantizer")
        {
            var q = new RunningMaxAbsQuantizer(bits, ActivationSign.Signed, momentum);
            return new Route(q, q);
        }

        var settings = new QuantLayerSettings(8, bits, new EightBitOptions { ActivationSign = ActivationSign.Signed, InputMomentum = momentum });
        QuantizedLayer layer = route == "EightBitLinear"
            ? new QuantizedLinear(nn.Linear(3, 2), EightBit.Instance, settings)
            : new QuantizedConv2d(nn.Conv2d(3, 2, 1), EightBit.Instance, settings) { RecomputeQuantizedInput = route.EndsWith("pass", StringComparison.Ordinal) };
        return new Route(layer, Assert.IsType<RunningMaxAbsQuantizer>(layer.InputQuantizer));
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public void Every_route_tracks_each_training_forward_once(string route)
    {
        using var scope = NewDisposeScope();
        Route r = RouteFor(route, 2, momentum: 0.25);

        foreach (var (batch, runningMax, _) in Tracking)
        {
            r.Forward(batch);
            Close([runningMax], r.Quantizer.RunningMax, 0);
        }
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public void The_initialising_batch_is_not_tracked_again(string route)
    {
        using var scope = NewDisposeScope();
        Route r = RouteFor(route, 8, RunningMaxAbsQuantizer.DefaultMomentum);
        // Tracking the first batch as well would give (1 − m)·M + m·M, which float32 rounds away from M = 3.3.
        Tensor trackedAgain = tensor(new[] { 3.3f }).mul_(1 - r.Quantizer.Momentum).add_(tensor(3.3f), alpha: r.Quantizer.Momentum);
        Assert.NotEqual(3.3f, trackedAgain.item<float>());

        r.Forward([3.3, -1, 0.5]);

        Assert.Equal(3.3f, r.Quantizer.RunningMax.item<float>());
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public void Evaluation_never_moves_the_running_maximum(string route)
    {
        using var scope = NewDisposeScope();
        Route r = RouteFor(route, 8, momentum: 0.5);
        r.Forward([2, -1, 0.5]);
        r.Module.eval();

        // With gradient recording (where the layers take the fused pass) and without, on batches far outside r.
        r.Forward([100, -50, 3]);
        using (no_grad())
        {
            r.Forward([-70, 20, 1]);
        }

        Close([2], r.Quantizer.RunningMax, 0);
        Assert.False(r.Quantizer.training);
    }

    [Fact]
    public void Evaluation_quantizes_with_the_running_maximum_it_holds()
    {
        // 2 bits signed, m = 0.5: r = 2 after [2, 1], then 0.5·2 + 0.5·6 = 4 after [6]; evaluation of [5, −3, 9, −9] with
        // s = 4: x/s = [1.25→1, −0.75→−1, 2.25→clamp 1, −2.25→clamp −2], and r stays 4.
        using var scope = NewDisposeScope();
        using var q = new RunningMaxAbsQuantizer(2, ActivationSign.Signed, momentum: 0.5);
        q.call(Vector(2, 1));
        q.call(Vector(6));
        q.eval();

        Tensor y = q.call(Vector(5, -3, 9, -9));

        Close([4, -4, 4, -8], y, 0);
        Close([4], q.RunningMax, 0);
    }

    [Theory]
    [InlineData(new double[] { 0, 1.5, 3 }, false, 3)]
    [InlineData(new double[] { 0.5, -4, 2 }, true, 4)]
    [InlineData(new double[] { -0.5, -0.25 }, true, 0.5)]
    public void Auto_decides_the_sign_from_the_first_training_batch(double[] batch, bool signed, double runningMax)
    {
        using var scope = NewDisposeScope();
        using var q = new RunningMaxAbsQuantizer(3, ActivationSign.Auto);
        Assert.False(q.IsInitialized);

        q.call(Vector(batch));

        Assert.True(q.IsInitialized);
        Assert.Equal(signed, q.IsSigned);
        Assert.Equal(IntegerRange.Of(3, signed), q.Range);
        Close([runningMax], q.RunningMax, 0);
    }

    [Fact]
    public void A_decided_unsigned_grid_stays_unsigned_and_tracks_the_largest_value()
    {
        // Auto at 2 bits, m = 0.5: [0, 1.5, 3] decides unsigned, r = 3. The next batch's negative values do not turn the
        // grid signed; r = 0.5·3 + 0.5·max(x) = 4.5, s = 1.5, [0, 3]: x/s = [−6.67→0 (clipped), 4→3 (clipped), 1.5→2 (tie)].
        using var scope = NewDisposeScope();
        using var q = new RunningMaxAbsQuantizer(2, ActivationSign.Auto, momentum: 0.5);
        q.call(Vector(0, 1.5, 3));
        Tensor x = Vector(-10, 6, 2.25).requires_grad_(true);

        Tensor y = q.call(x);
        y.sum().backward();

        Assert.False(q.IsSigned);
        Close([4.5], q.RunningMax, 0);
        Close([0, 4.5, 3], y, 0);
        Close([0, 0, 1], x.grad!, 0);
    }

    [Theory]
    [InlineData(ActivationSign.Auto, true, true, 5)]
    [InlineData(ActivationSign.Auto, false, false, 5)]
    [InlineData(ActivationSign.Unsigned, true, false, 3)]
    [InlineData(ActivationSign.Signed, false, true, 5)]
    public void Calibration_sets_the_running_maximum_from_every_batch(ActivationSign sign, bool negativeBatch, bool signed, double runningMax)
    {
        // Three batches whose largest magnitude (5, or 3 for the largest value) sits in the middle one: the result is
        // neither the first batch's maximum (2) nor a running average.
        using var scope = NewDisposeScope();
        Sequential model = nn.Sequential(("fc", nn.Linear(2, 2)));
        model.Quantize(QuantPolicy.For<Linear>().Use<EightBitLinear>(8, 8, o => o.ActivationSign = sign));
        static Tensor Batch(params double[] values) => Matrix([2, 2], values).to(float32);
        Tensor middle = Batch(-5, 3, 0, 0.25);
        Tensor[] batches = [Batch(0.5, 2, 1, 1.5), negativeBatch ? middle : middle.abs(), Batch(1, 0.75, 0.25, 0.5)];

        QuantCalibration.Calibrate(model, batches);

        var q = Assert.IsType<RunningMaxAbsQuantizer>(LayerAt(model, "fc").InputQuantizer);
        Assert.True(q.IsInitialized);
        Assert.Equal(signed, q.IsSigned);
        Close([runningMax], q.RunningMax, 0);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The fused kernel against the composed path.
    // ---------------------------------------------------------------------------------------------------------------

    public static TheoryData<int, ActivationSign, long[]> AgreementCases() => new()
    {
        { 8, ActivationSign.Signed, [7] },                // shorter than one SIMD vector
        { 4, ActivationSign.Unsigned, [16, 3, 5, 5] },
        { 2, ActivationSign.Signed, [3, 70001] },         // crosses the kernel's parallel pieces
        { 1, ActivationSign.Unsigned, [33] },
        { 3, ActivationSign.Auto, [2, 16, 56, 56] },
    };

    /// <summary>
    /// Values <c>(k + f)/8</c> with <c>k</c> uniform over <c>[Qn − m, Qp + m]</c>, m a quarter of the range and at least 3
    /// (so some are clipped), and <c>f</c> = ½
    /// (an exact tie when <c>s = 1/8</c>) for about half of them, uniform in [0, 1) for the rest; float32.
    /// </summary>
    private static Tensor GridData(long[] shape, IntegerRange range, ulong seed)
    {
        using var generator = new Generator(seed);
        using var scope = NewDisposeScope();
        int margin = Math.Max(3, range.Steps / 4);
        Tensor k = randint(range.Min - margin, range.Max + margin + 1, shape, generator: generator).to(float32);
        Tensor f = rand(shape, generator: generator);
        Tensor tie = rand(shape, generator: generator) < 0.5;
        return ((k + where(tie, full_like(f, 0.5), f)) / 8).MoveToOuterDisposeScope();
    }

    /// <summary>Upstream gradients ±2^j, j in [−2, 2]: multiplying and dividing them by a power-of-two step is exact.</summary>
    private static Tensor PowersOfTwo(long[] shape, ulong seed)
    {
        using var generator = new Generator(seed);
        using var scope = NewDisposeScope();
        Tensor exponent = randint(-2, 3, shape, generator: generator).to(float32);
        Tensor sign = where(rand(shape, generator: generator) < 0.5, -ones(shape), ones(shape));
        return (exp2(exponent) * sign).MoveToOuterDisposeScope();
    }

    [Theory]
    [MemberData(nameof(AgreementCases))]
    public void The_fused_kernel_and_the_composed_path_agree_bit_for_bit(int bits, ActivationSign sign, long[] shape)
    {
        using var scope = NewDisposeScope();
        IntegerRange range = IntegerRange.Of(bits, sign != ActivationSign.Unsigned);
        double r = range.Max / 8.0; // s = 1/8
        double[] init = sign == ActivationSign.Unsigned ? [r] : [r, -r / 2];
        using RunningMaxAbsQuantizer fused = Initialised(bits, sign, init, Path.Fused);
        using RunningMaxAbsQuantizer composed = Initialised(bits, sign, init, Path.Composed);
        Tensor x = GridData(shape, range, seed: (ulong)shape.Sum());
        Tensor upstream = PowersOfTwo(shape, seed: 5);
        Tensor v = x * 8;
        Assert.True(v.frac().abs().eq(0.5).any().ToBoolean(), "the data should hold ties");
        Assert.True(v.lt(range.Min).any().ToBoolean() && v.gt(range.Max).any().ToBoolean(), "the data should be clipped on both sides");
        Assert.True(fused.FusesFor(x));
        Assert.False(composed.FusesFor(x));

        // Evaluation, then a training step (which tracks the batch's maximum into both before quantizing).
        foreach (bool training in new[] { false, true })
        {
            fused.train(training);
            composed.train(training);

            FusedAgreement.Outcome a = FusedAgreement.Run(fused, x, upstream);
            FusedAgreement.Outcome b = FusedAgreement.Run(composed, x, upstream);

            Assert.Equal(BitsOf(b.Output), BitsOf(a.Output));
            Assert.Equal(BitsOf(b.InputGradient!), BitsOf(a.InputGradient!));
            Identical(composed.RunningMax, fused.RunningMax);
        }
    }

    private static int[] BitsOf(float[] values) => [.. values.Select(f => BitConverter.SingleToInt32Bits(f))];

    // ---------------------------------------------------------------------------------------------------------------
    // State: buffers, checkpoints, uninitialised evaluation.
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void The_state_is_the_buffers_running_max_initialized_and_signed()
    {
        using var scope = NewDisposeScope();
        using var q = new RunningMaxAbsQuantizer(4, ActivationSign.Auto);

        Dictionary<string, Tensor> before = q.state_dict();
        Assert.Equal(["initialized", "running_max", "signed"], before.Keys.Order());
        Assert.Empty(q.parameters());
        Assert.False(before["initialized"].item<bool>());
        Assert.Equal([1L], before["running_max"].shape);

        q.InitializeFrom(Vector(0.5, 2.5));

        Dictionary<string, Tensor> after = q.state_dict();
        Assert.True(after["initialized"].item<bool>());
        Assert.False(after["signed"].item<bool>());
        Close([2.5], after["running_max"], 0);
    }

    [Fact]
    public void A_saved_model_loads_into_a_fresh_one_and_evaluates_identically()
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("qquant-running-max-");
        string path = System.IO.Path.Combine(folder.Path, "model.bin");
        QuantPolicy policy = QuantPolicy.For<Conv2d>().Use<EightBitConv>(8, 6, o => ((EightBitOptions)o).InputMomentum = 0.5)
            .For<Linear>().Use<EightBitLinear>(8, 6).Build();
        Sequential trained = SmallModel(1);
        trained.Quantize(policy);
        // Two SGD steps on non-negative images: the conv input's Auto sign becomes unsigned and its maximum moves.
        using (var optimizer = optim.SGD(trained.parameters(), 0.05))
        {
            foreach (ulong seed in new ulong[] { 10, 11 })
            {
                optimizer.zero_grad();
                trained.call(Images(seed).abs()).square().mean().backward();
                optimizer.step();
            }
        }

        trained.eval();
        Tensor x = Images(12) * 3;
        Tensor expected = Evaluate(trained, x);
        trained.save(path);

        Sequential fresh = SmallModel(2);
        fresh.Quantize(policy);
        fresh.load(path);
        fresh.eval();

        Identical(expected, Evaluate(fresh, x));
        foreach (string layer in new[] { "conv", "fc" })
        {
            var loaded = (RunningMaxAbsQuantizer)LayerAt(fresh, layer).InputQuantizer;
            var original = (RunningMaxAbsQuantizer)LayerAt(trained, layer).InputQuantizer;
            Assert.True(loaded.IsInitialized);
            Assert.False(loaded.IsSigned);
            Identical(original.RunningMax, loaded.RunningMax);
        }
    }

    private static Tensor Evaluate(nn.Module<Tensor, Tensor> model, Tensor x)
    {
        using var noGrad = no_grad();
        return model.call(x);
    }

    [Fact]
    public void Evaluating_an_uninitialised_layer_throws_naming_the_quantizers_path()
    {
        using var scope = NewDisposeScope();
        Sequential model = nn.Sequential(("head", nn.Sequential(("fc", nn.Linear(4, 2)))));
        model.Quantize(QuantPolicy.For<Linear>().Use<EightBitLinear>(8, 8));
        model.eval();
        Tensor x = Vector(1, -2, 0.5, 3).to(float32).view(1, 4);

        var error = Assert.Throws<QuantizerStateException>(() => model.call(x));

        Assert.Equal("head.fc.input_quantizer", error.Location);
        Assert.Contains("'head.fc.input_quantizer'", error.Message);
        Assert.Contains(nameof(RunningMaxAbsQuantizer), error.Message);
        Assert.Contains("QuantCalibration.Calibrate", error.Message);

        // One training forward initialises it, after which evaluation works.
        model.train();
        model.call(x);
        model.eval();
        Assert.Equal([1L, 2L], Evaluate(model, x).shape);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Bits and momentum.
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void The_default_momentum_is_0_1_for_the_quantizer_and_the_layers()
    {
        using var q = new RunningMaxAbsQuantizer(8, ActivationSign.Auto);
        using var layer = new QuantizedLinear(nn.Linear(2, 2), EightBit.Instance, new QuantLayerSettings(8, 8, new QuantLayerOptions()));

        Assert.Equal(0.1, RunningMaxAbsQuantizer.DefaultMomentum);
        Assert.Equal(0.1, q.Momentum);
        Assert.Equal(0.1, new EightBitOptions().InputMomentum);
        Assert.Equal(0.1, Assert.IsType<RunningMaxAbsQuantizer>(layer.InputQuantizer).Momentum);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(1.0000001)]
    [InlineData(2.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_momentum_outside_0_to_1_is_rejected_by_the_constructor(double momentum)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new RunningMaxAbsQuantizer(8, ActivationSign.Auto, momentum));

        Assert.Equal("momentum", error.ParamName);
    }

    [Theory]
    [InlineData(1e-9)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void A_momentum_in_0_to_1_is_kept(double momentum)
    {
        using var q = new RunningMaxAbsQuantizer(8, ActivationSign.Auto, momentum);

        Assert.Equal(momentum, q.Momentum);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void A_policy_with_a_momentum_outside_0_to_1_is_rejected_naming_the_rule(double momentum)
    {
        var error = Assert.Throws<QuantPolicyException>(() =>
            QuantPolicy.For<Linear>().Use<EightBitLinear>(8, 8, o => ((EightBitOptions)o).InputMomentum = momentum).Build());

        string problem = Assert.Single(error.Problems);
        Assert.StartsWith("For<Linear>(): EightBitLinear", problem);
        Assert.Contains($"inputMomentum {momentum}", problem);
        Assert.Contains("(0, 1]", problem);
    }

    private static string ConvEntry(string extra) =>
        $$"""{ "quantTransformer": { "policy": { "Conv2d": { "type": "EightBitConv", "w": 8, "a": 8{{extra}} } } } }""";

    [Fact]
    public void A_configured_momentum_outside_0_to_1_is_rejected_naming_the_entry()
    {
        QuantConfigurationException e = BindFails(ConvEntry(", \"inputMomentum\": 1.5"));

        Assert.Equal("quantTransformer:policy:Conv2d: EightBitConv: inputMomentum 1.5 must lie in (0, 1]", Assert.Single(e.Problems));
    }

    [Fact]
    public void A_configured_momentum_binds_to_the_fluent_policy_and_reaches_the_quantizer()
    {
        using var scope = NewDisposeScope();
        QuantPolicy bound = Bind(ConvEntry(", \"inputMomentum\": 0.25"));

        Assert.Equal(QuantPolicy.For<Conv2d>().Use<EightBitConv>(8, 8, o => ((EightBitOptions)o).InputMomentum = 0.25).Build(), bound);
        Assert.NotEqual(Bind(ConvEntry("")), bound);
        Sequential model = SmallModel(3);
        model.Quantize(bound);
        Assert.Equal(0.25, Assert.IsType<RunningMaxAbsQuantizer>(LayerAt(model, "conv").InputQuantizer).Momentum);
    }

    [Theory]
    [InlineData(1, ActivationSign.Signed)]
    [InlineData(1, ActivationSign.Auto)]
    [InlineData(9, ActivationSign.Unsigned)]
    [InlineData(0, ActivationSign.Unsigned)]
    [InlineData(32, ActivationSign.Signed)]
    public void Bits_the_grid_cannot_hold_are_rejected(int bits, ActivationSign sign)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new RunningMaxAbsQuantizer(bits, sign));

        Assert.Equal("bits", error.ParamName);
    }

    [Theory]
    [InlineData(1, ActivationSign.Unsigned)]
    [InlineData(2, ActivationSign.Auto)]
    [InlineData(8, ActivationSign.Signed)]
    public void Bits_the_grid_can_hold_are_kept(int bits, ActivationSign sign)
    {
        using var q = new RunningMaxAbsQuantizer(bits, sign);

        Assert.Equal(bits, q.Bits);
        Assert.Equal(sign, q.Sign);
        Assert.False(q.PerChannel);
    }
}
