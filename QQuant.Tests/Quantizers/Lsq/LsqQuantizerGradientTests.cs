using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using static QQuant.Tests.Quantizers.Lsq.LsqTesting;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Lsq;

/// <summary>
/// LSQ gradients by autograd against hand values. For the loss L = sum(q · c): dL/dx = c where Qn ≤ x/s ≤ Qp and 0
/// outside; dL/ds = g · Σ c · (round(x/s) − x/s inside, Qn below, Qp above), g = 1/√(N·Qp).
/// </summary>
public class LsqQuantizerGradientTests
{
    // Signed 2 bits (Qn = -2, Qp = 1), s = 0.5, a [2, 3] tensor:
    // x/s = [.5, -.8, 1.4, -2.6, 1, -2]: inside (ends included) [1, 1, 0, 0, 1, 1];
    // step terms [0 - .5, -1 + .8, Qp = 1, Qn = -2, 1 - 1, -2 + 2] = [-.5, -.2, 1, -2, 0, 0];
    // with c = [1, 2, 3, 4, 5, 6]: Σ c · term = -.5 - .4 + 3 - 8 + 0 + 0 = -5.9.
    private static readonly double[] Signed2X = [0.25, -0.4, 0.7, -1.3, 0.5, -1.0];
    private static readonly double[] Signed2C = [1, 2, 3, 4, 5, 6];
    private const double Signed2StepSum = -5.9;

    [Theory]
    // Activation: N = 6 elements / 2 samples = 3 features per sample, g = 1/√(3·1).
    [InlineData(TensorRole.Activation, true, 3)]
    // Weight: N = all 6 elements for one step, g = 1/√(6·1).
    [InlineData(TensorRole.Weight, true, 6)]
    // No scaling: g = 1 (N unused).
    [InlineData(TensorRole.Weight, false, 0)]
    [InlineData(TensorRole.Activation, false, 0)]
    public void Signed_2_bit_gradients_of_input_and_step(TensorRole role, bool scaleGradient, int n)
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = NewLsq(2, signed: true, role, [0.5], scaleGradient);
        Tensor x = Matrix([2, 3], Signed2X).requires_grad_(true);
        Tensor c = Matrix([2, 3], Signed2C);

        (q.call(x) * c).sum().backward();

        double g = scaleGradient ? 1 / Math.Sqrt(n * 1.0) : 1;
        // c where 0.5-steps of x lie in [-2, 1] (ends included), 0 at 1.4 and -2.6.
        Close([1, 2, 0, 0, 5, 6], x.grad!);
        Close([g * Signed2StepSum], q.Step.grad!, 1e-12);
    }

    [Fact]
    public void Unsigned_4_bit_gradients_of_input_and_step()
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = NewLsq(4, signed: false, TensorRole.Weight, [0.25]);
        Tensor x = Vector(-0.1, 0, 0.3, 3.75, 4.0, 1.2).requires_grad_(true);
        Tensor c = Vector(1, -1, 2, 3, 0.5, -2);

        (q.call(x) * c).sum().backward();

        // Qn = 0, Qp = 15, s = .25: x/s = [-.4, 0, 1.2, 15, 16, 4.8], inside [0, 1, 1, 1, 0, 1].
        Close([0, -1, 2, 3, 0, -2], x.grad!);
        // Step terms [Qn = 0, 0 - 0, 1 - 1.2, 15 - 15, Qp = 15, 5 - 4.8] -> Σ c · term = 0 + 0 - .4 + 0 + 7.5 - .4 = 6.7;
        // weight, one step: N = 6, g = 1/√(6·15).
        Close([6.7 / Math.Sqrt(90)], q.Step.grad!, 1e-12);
    }

    [Fact]
    public void Per_channel_steps_get_the_sums_of_their_own_rows_scaled_by_the_rows_size()
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = NewLsq(4, signed: true, TensorRole.Weight, [0.5, 0.25]);
        Tensor w = Matrix([2, 3], 1.3, -5, 3.5, -0.3, 2.0, -2.0).requires_grad_(true);
        Tensor c = Matrix([2, 3], 1, 1, 1, 2, 2, 2);

        (q.call(w) * c).sum().backward();

        // Qn = -8, Qp = 7. Row 0, s = .5: x/s = [2.6, -10, 7] -> inside [1, 0, 1], terms [3 - 2.6, Qn = -8, 7 - 7].
        // Row 1, s = .25: x/s = [-1.2, 8, -8] -> inside [1, 0, 1], terms [-1 + 1.2, Qp = 7, -8 + 8].
        Close([1, 0, 1, 2, 0, 2], w.grad!);
        // ds0 = g · (.4 - 8 + 0) = -7.6 g, ds1 = g · 2 · (.2 + 7 + 0) = 14.4 g; N = 6 / 2 channels = 3, g = 1/√(3·7).
        double g = 1 / Math.Sqrt(21);
        Close([-7.6 * g, 14.4 * g], q.Step.grad!, 1e-12);
    }

    [Fact]
    public void Per_channel_steps_of_a_4d_weight_count_the_elements_of_one_output_channel()
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = NewLsq(2, signed: true, TensorRole.Weight, [1, 0.5]);
        Tensor w = Matrix([2, 1, 2, 2], 0.3, -2.5, 1.7, 0.6, 0.2, -0.3, 0.9, -0.05).requires_grad_(true);
        Tensor c = Matrix([2, 1, 2, 2], 1, 2, 3, 4, 1, 2, 3, 4);

        (q.call(w) * c).sum().backward();

        // Qn = -2, Qp = 1. Channel 0, s = 1: x/s = [.3, -2.5, 1.7, .6] -> inside [1, 0, 0, 1],
        // terms [0 - .3, Qn = -2, Qp = 1, 1 - .6] -> Σ c · term = -.3 - 4 + 3 + 1.6 = .3.
        // Channel 1, s = .5: x/s = [.4, -.6, 1.8, -.1] -> inside [1, 1, 0, 1], terms [-.4, -1 + .6, Qp = 1, .1]
        // -> Σ c · term = -.4 - .8 + 3 + .4 = 2.2. N = 8 / 2 = 4, g = 1/√(4·1) = .5.
        Close([1, 0, 0, 4, 1, 2, 0, 4], w.grad!);
        Close([0.3 * 0.5, 2.2 * 0.5], q.Step.grad!, 1e-12);
    }

    [Fact]
    public void The_clipping_ends_pass_the_input_gradient_and_give_the_step_nothing()
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = NewLsq(4, signed: true, TensorRole.Weight, [0.5], scaleGradient: false);
        // x/s = [-8, 7] exactly: both on the ends.
        Tensor x = Vector(-4, 3.5).requires_grad_(true);

        q.call(x).sum().backward();

        // Inside with ends included: input gradient 1; step terms round(v) - v = 0 at both ends.
        Close([1, 1], x.grad!);
        Close([0], q.Step.grad!);
    }

    [Fact]
    public void Just_beyond_the_ends_the_input_gradient_is_0_and_the_step_gets_Qn_and_Qp()
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = NewLsq(4, signed: true, TensorRole.Weight, [0.5], scaleGradient: false);
        // x/s = [-8.002, 7.002].
        Tensor x = Vector(-4.001, 3.501).requires_grad_(true);
        Tensor c = Vector(1, 10);

        (q.call(x) * c).sum().backward();

        // Outside: input gradient 0; step gets 1 · Qn + 10 · Qp = -8 + 70 (g = 1 without scaling).
        Close([0, 0], x.grad!);
        Close([62], q.Step.grad!);
    }

    [Fact]
    public void A_negative_step_gets_the_gradient_of_its_magnitude_with_the_sign_flipped()
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = NewLsq(2, signed: true, TensorRole.Activation, [-0.5]);
        Tensor x = Matrix([2, 3], Signed2X).requires_grad_(true);
        Tensor c = Matrix([2, 3], Signed2C);

        (q.call(x) * c).sum().backward();

        // The step acts as |s|: the same terms as with s = 0.5, times d|s|/ds = -1; g = 1/√(3·1).
        Close([1, 2, 0, 0, 5, 6], x.grad!);
        Close([-Signed2StepSum / Math.Sqrt(3)], q.Step.grad!, 1e-12);
    }

    [Theory]
    [InlineData(2, true)]
    [InlineData(4, true)]
    [InlineData(2, false)]
    [InlineData(4, false)]
    public void All_zero_input_gives_zero_output_and_finite_gradients(int bits, bool signed)
    {
        using var scope = NewDisposeScope();
        var q = new LsqQuantizer(bits, TensorRole.Activation, signed ? ActivationSign.Signed : ActivationSign.Unsigned);
        using var _ = q;
        q.to(float64);
        Tensor x = zeros([2, 3], dtype: float64, requires_grad: true);

        Tensor y = q.call(x);
        y.sum().backward();

        // Initialised from zeros: mean|x| = 0, so s = 1; x/s = 0 is inside, round(0) - 0 = 0.
        Close([1], q.Step);
        Close(new double[6], y, 0);
        Close([1, 1, 1, 1, 1, 1], x.grad!);
        Close([0], q.Step.grad!);
    }

    [Fact]
    public void A_zero_step_gives_finite_output_and_gradients()
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = NewLsq(4, signed: true, TensorRole.Weight, [0]);
        Tensor x = Vector(0, 0.5, -0.25).requires_grad_(true);

        Tensor y = q.call(x);
        y.sum().backward();

        // The step acts as 1e-8: x/s = [0, 5e7, -2.5e7] -> [0, Qp = 7, Qn = -8] -> q = [0, 7e-8, -8e-8].
        Close([0, 7e-8, -8e-8], y, 1e-20);
        Finite(x.grad!);
        Finite(q.Step.grad!);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Finite differences (float64, central, h = 1e-6).
    //
    // Condition: no x/s lies within 1e-3 of a rounding boundary (a half-integer) or of Qn, Qp. A step change of h
    // moves x/s by |x|·h/s² < 1e-3 here, so every element keeps its level k = round(clamp(x/s)) and its side of the
    // clipping range, and the loss L(s) = Σ c · k · s is exactly linear: its finite difference is Σ c · k.
    // LSQ's straight-through step gradient is g · Σ c · (k − x/s · [inside]): the finite difference minus the
    // straight-through term Σ_inside c · x/s, times g.
    // ---------------------------------------------------------------------------------------------------------------

    public static TheoryData<int, bool, TensorRole, double[]> FiniteDifferenceCases() => new()
    {
        { 2, true, TensorRole.Weight, [0.37] },
        { 4, true, TensorRole.Activation, [0.21] },
        { 2, false, TensorRole.Activation, [0.6] },
        { 4, false, TensorRole.Weight, [0.13] },
        { 4, true, TensorRole.Weight, [0.17, 0.42, 0.09] },
        { 2, true, TensorRole.Weight, [0.55, 0.31, 0.8] },
    };

    [Theory]
    [MemberData(nameof(FiniteDifferenceCases))]
    public void The_step_gradient_is_the_finite_difference_minus_the_straight_through_term(
        int bits, bool signed, TensorRole role, double[] steps)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(41 + (ulong)bits + (ulong)steps.Length);
        Tensor x = randn([3, 8], dtype: float64, generator: generator);
        Tensor c = randn([3, 8], dtype: float64, generator: generator);
        using LsqQuantizer q = NewLsq(bits, signed, role, steps);
        IntegerRange range = IntegerRange.Of(bits, signed);
        Tensor s = steps.Length == 1 ? Vector(steps) : Vector(steps).view(-1, 1);
        Tensor v = x / s;
        AssertAwayFromBoundaries(v, range);

        (q.call(x) * c).sum().backward();
        double[] autograd = Gradient(q.Step);

        Tensor inside = (v >= range.Min).logical_and(v <= range.Max).to(float64);
        for (int i = 0; i < steps.Length; i++)
        {
            // N: the weight's elements per step, or one sample's 8 features.
            long n = role == TensorRole.Weight ? 24 / steps.Length : 8;
            double g = 1 / Math.Sqrt(n * (double)range.Max);
            Tensor terms = c * v * inside;
            double straightThrough = (steps.Length == 1 ? terms : terms[i]).sum().ToDouble();
            double difference = FiniteDifference(q, q.Step, i, x, c);

            Assert.Equal(g * (difference - straightThrough), autograd[i], 1e-6);
        }
    }

    [Theory]
    [MemberData(nameof(FiniteDifferenceCases))]
    public void The_step_gradient_is_the_finite_difference_of_the_straight_through_surrogate(
        int bits, bool signed, TensorRole role, double[] steps)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(77 + (ulong)bits + (ulong)steps.Length);
        Tensor x = randn([3, 8], dtype: float64, generator: generator);
        Tensor c = randn([3, 8], dtype: float64, generator: generator);
        using LsqQuantizer q = NewLsq(bits, signed, role, steps, scaleGradient: false);
        IntegerRange range = IntegerRange.Of(bits, signed);
        Tensor s0 = steps.Length == 1 ? Vector(steps) : Vector(steps).view(-1, 1);
        AssertAwayFromBoundaries(x / s0, range);

        (q.call(x) * c).sum().backward();
        double[] autograd = Gradient(q.Step);

        // The surrogate the straight-through estimator differentiates: the rounding residual r = round(u) − u is
        // frozen at s0, u = clamp(x/s, Qn, Qp) moves: S(s) = Σ c · (u(s) + r) · s. Computed here, not by the quantizer.
        Tensor u0 = (x / s0).clamp(range.Min, range.Max);
        Tensor residual = u0.round() - u0;
        double Surrogate(double[] s)
        {
            Tensor st = s.Length == 1 ? Vector(s) : Vector(s).view(-1, 1);
            return (c * ((x / st).clamp(range.Min, range.Max) + residual) * st).sum().ToDouble();
        }

        const double h = 1e-6;
        for (int i = 0; i < steps.Length; i++)
        {
            double[] plus = (double[])steps.Clone(), minus = (double[])steps.Clone();
            plus[i] += h;
            minus[i] -= h;
            double difference = (Surrogate(plus) - Surrogate(minus)) / (2 * h);

            Assert.Equal(difference, autograd[i], 1e-6);
        }
    }

    private static void AssertAwayFromBoundaries(Tensor v, IntegerRange range)
    {
        // Clipped elements sit on an integer after clamping, so only the rounding boundaries inside the range count.
        Tensor u = v.clamp(range.Min, range.Max);
        Tensor fromHalf = (u - u.floor() - 0.5).abs();
        Tensor fromEnds = minimum((v - range.Min).abs(), (v - range.Max).abs());
        Assert.True(fromHalf.min().ToDouble() > 1e-3, "an element lies on a rounding boundary; pick other data");
        Assert.True(fromEnds.min().ToDouble() > 1e-3, "an element lies on a clipping end; pick other data");
    }
}
