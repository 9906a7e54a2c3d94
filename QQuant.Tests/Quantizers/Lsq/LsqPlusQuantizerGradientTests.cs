using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using static QQuant.Tests.Quantizers.Lsq.LsqTesting;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Lsq;

/// <summary>
/// LSQ+ gradients by autograd against hand values. With u = (x − β)/s and L = sum(q · c): dL/dx = c inside
/// (Qn ≤ u ≤ Qp), 0 outside; dL/ds = g · Σ c · (round(u) − u inside, Qn below, Qp above); dL/dβ = g · Σ_outside c.
/// </summary>
public class LsqPlusQuantizerGradientTests
{
    [Theory]
    // [2, 4] activation: N = 4 features per sample, Qp = 3, g = 1/√12.
    [InlineData(true)]
    [InlineData(false)]
    public void Unsigned_2_bit_gradients_of_input_step_and_offset(bool scaleGradient)
    {
        using var scope = NewDisposeScope();
        using LsqPlusQuantizer q = NewLsqPlus(2, signed: false, TensorRole.Activation, [0.5], offset: -0.25, scaleGradient);
        Tensor x = Matrix([2, 4], -0.5, -0.25, 0, 0.5, 1.0, 1.5, 0.3, -0.1).requires_grad_(true);
        Tensor c = Matrix([2, 4], 1, 2, 3, 4, 5, 6, 7, 8);

        (q.call(x) * c).sum().backward();

        double g = scaleGradient ? 1 / Math.Sqrt(12) : 1;
        // u = (x + .25)/.5 = [-.5, 0, .5, 1.5, 2.5, 3.5, 1.1, .3]: inside (ends included) all but -.5 and 3.5.
        Close([0, 2, 3, 4, 5, 0, 7, 8], x.grad!);
        // Step terms [Qn = 0, 0, 0 - .5, 2 - 1.5, 2 - 2.5, Qp = 3, 1 - 1.1, 0 - .3]
        // -> Σ c · term = 0 + 0 - 1.5 + 2 - 2.5 + 18 - .7 - 2.4 = 12.9.
        Close([12.9 * g], q.Step.grad!, 1e-12);
        // Offset: 1 for the two clipped elements only -> c0 + c5 = 1 + 6 = 7.
        Close([7 * g], q.Offset!.grad!, 1e-12);
    }

    [Fact]
    public void Signed_4_bit_gradients_of_input_step_and_offset()
    {
        using var scope = NewDisposeScope();
        using LsqPlusQuantizer q = NewLsqPlus(4, signed: true, TensorRole.Activation, [0.25], offset: 0.5);
        Tensor x = Matrix([1, 5], 0.5, -2, 2.5, 0.625, 3).requires_grad_(true);
        Tensor c = Matrix([1, 5], 2, 1, -1, 4, 0.5);

        (q.call(x) * c).sum().backward();

        // u = (x - .5)/.25 = [0, -10, 8, .5, 10]: inside [1, 0, 0, 1, 0].
        Close([2, 0, 0, 4, 0], x.grad!);
        // N = 5 features of the one sample, Qp = 7: g = 1/√35.
        double g = 1 / Math.Sqrt(35);
        // Step terms [0, Qn = -8, Qp = 7, 0 - .5, Qp = 7] -> Σ c · term = 0 - 8 - 7 - 2 + 3.5 = -13.5.
        Close([-13.5 * g], q.Step.grad!, 1e-12);
        // Offset: c of the clipped elements, 1 - 1 + .5 = .5.
        Close([0.5 * g], q.Offset!.grad!, 1e-12);
    }

    [Fact]
    public void Weight_steps_per_channel_get_the_lsq_gradient()
    {
        using var scope = NewDisposeScope();
        using LsqPlusQuantizer q = NewLsqPlus(4, signed: true, TensorRole.Weight, [0.5, 0.25]);
        Tensor w = Matrix([2, 3], 1.3, -5, 3.5, -0.3, 2.0, -2.0).requires_grad_(true);
        Tensor c = Matrix([2, 3], 1, 1, 1, 2, 2, 2);

        (q.call(w) * c).sum().backward();

        // Row 0, s = .5: x/s = [2.6, -10, 7], terms [.4, Qn = -8, 0]; row 1, s = .25: x/s = [-1.2, 8, -8], terms [.2, Qp = 7, 0].
        // ds0 = -7.6 g, ds1 = 2 · 7.2 g = 14.4 g with N = 3 per channel, g = 1/√(3·7).
        Close([1, 0, 1, 2, 0, 2], w.grad!);
        double g = 1 / Math.Sqrt(21);
        Close([-7.6 * g, 14.4 * g], q.Step.grad!, 1e-12);
    }

    [Fact]
    public void On_the_clipping_ends_the_offset_and_step_get_nothing_and_the_input_everything()
    {
        using var scope = NewDisposeScope();
        using LsqPlusQuantizer q = NewLsqPlus(2, signed: false, TensorRole.Activation, [0.5], offset: 1, scaleGradient: false);
        // u = (x - 1)/.5 = [0, 3]: exactly Qn and Qp.
        Tensor x = Vector(1, 2.5).requires_grad_(true);

        q.call(x).sum().backward();

        Close([1, 1], x.grad!);
        Close([0], q.Step.grad!);
        Close([0], q.Offset!.grad!);
    }

    [Fact]
    public void Just_beyond_the_ends_the_offset_gets_1_per_element_and_the_step_Qn_and_Qp()
    {
        using var scope = NewDisposeScope();
        using LsqPlusQuantizer q = NewLsqPlus(2, signed: false, TensorRole.Activation, [0.5], offset: 1, scaleGradient: false);
        // u = [-.002, 3.002].
        Tensor x = Vector(0.999, 2.501).requires_grad_(true);
        Tensor c = Vector(1, 10);

        (q.call(x) * c).sum().backward();

        // Input 0; step 1 · Qn + 10 · Qp = 0 + 30; offset 1 + 10 (g = 1 without scaling).
        Close([0, 0], x.grad!);
        Close([30], q.Step.grad!, 1e-12);
        Close([11], q.Offset!.grad!, 1e-12);
    }

    [Fact]
    public void All_zero_input_gives_finite_output_and_gradients()
    {
        using var scope = NewDisposeScope();
        var q = new LsqPlusQuantizer(4, TensorRole.Activation, ActivationSign.Auto);
        using var _ = q;
        q.to(float64);
        Tensor x = zeros([2, 3], dtype: float64, requires_grad: true);

        Tensor y = q.call(x);
        y.sum().backward();

        // Initialised from zeros: unsigned (no negatives), s = 0 -> 1, β = min - Qn · s = 0; u = 0 is on the end Qn.
        Close([1], q.Step);
        Close([0], q.Offset!);
        Close(new double[6], y, 0);
        Finite(x.grad!);
        Finite(q.Step.grad!);
        Finite(q.Offset!.grad!);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Finite differences (float64, central, h = 1e-6).
    //
    // Condition: no u = (x − β)/s lies within 1e-3 of a rounding boundary (a half-integer inside the range) or of
    // Qn, Qp. Changing s or β by h moves u by at most (|x − β|/s² + 1/s)·h < 1e-3 here, so every element keeps its level k
    // and its side of the range, and L = Σ c · (k · s + β) is linear in both: dL/ds = Σ c · k and dL/dβ = Σ c.
    // The straight-through gradients are g · (Σ c · k − Σ_inside c · u) for s and g · (Σ c − Σ_inside c) for β.
    // ---------------------------------------------------------------------------------------------------------------

    public static TheoryData<int, bool, TensorRole, double[], double?> FiniteDifferenceCases() => new()
    {
        { 2, false, TensorRole.Activation, [0.3], -0.4 },
        { 4, true, TensorRole.Activation, [0.2], 0.1 },
        { 4, false, TensorRole.Activation, [0.15], -1.0 },
        { 2, true, TensorRole.Activation, [0.45], 0.3 },
        { 4, false, TensorRole.Activation, [0.25], null },
        { 4, true, TensorRole.Weight, [0.2, 0.35, 0.1], null },
        { 2, true, TensorRole.Weight, [0.6], null },
    };

    [Theory]
    [MemberData(nameof(FiniteDifferenceCases))]
    public void Step_and_offset_gradients_are_the_finite_differences_minus_the_straight_through_terms(
        int bits, bool signed, TensorRole role, double[] steps, double? offset)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(5 + (ulong)bits * 3 + (ulong)steps.Length + (offset is null ? 0UL : 1UL));
        Tensor x = randn([3, 8], dtype: float64, generator: generator);
        Tensor c = randn([3, 8], dtype: float64, generator: generator);
        using LsqPlusQuantizer q = NewLsqPlus(bits, signed, role, steps, offset);
        IntegerRange range = IntegerRange.Of(bits, signed);
        Tensor s = steps.Length == 1 ? Vector(steps) : Vector(steps).view(-1, 1);
        Tensor u = (x - (offset ?? 0)) / s;
        AssertAwayFromBoundaries(u, range);

        (q.call(x) * c).sum().backward();
        double[] stepGradient = Gradient(q.Step);

        Tensor inside = (u >= range.Min).logical_and(u <= range.Max).to(float64);
        long n = role == TensorRole.Weight ? 24 / steps.Length : 8;
        double g = 1 / Math.Sqrt(n * (double)range.Max);
        for (int i = 0; i < steps.Length; i++)
        {
            Tensor terms = c * u * inside;
            double straightThrough = (steps.Length == 1 ? terms : terms[i]).sum().ToDouble();
            double difference = FiniteDifference(q, q.Step, i, x, c);

            Assert.Equal(g * (difference - straightThrough), stepGradient[i], 1e-6);
        }

        if (offset is not null)
        {
            double difference = FiniteDifference(q, q.Offset!, 0, x, c);
            double straightThrough = (c * inside).sum().ToDouble();

            Assert.Equal(g * (difference - straightThrough), Gradient(q.Offset!)[0], 1e-6);
            // The loss moves with β one for one: the finite difference is Σ c.
            Assert.Equal(c.sum().ToDouble(), difference, 1e-6);
        }
    }

    [Theory]
    [MemberData(nameof(FiniteDifferenceCases))]
    public void Step_and_offset_gradients_are_the_finite_differences_of_the_straight_through_surrogate(
        int bits, bool signed, TensorRole role, double[] steps, double? offset)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(60 + (ulong)bits * 3 + (ulong)steps.Length + (offset is null ? 0UL : 1UL));
        Tensor x = randn([3, 8], dtype: float64, generator: generator);
        Tensor c = randn([3, 8], dtype: float64, generator: generator);
        using LsqPlusQuantizer q = NewLsqPlus(bits, signed, role, steps, offset, scaleGradient: false);
        IntegerRange range = IntegerRange.Of(bits, signed);
        double beta0 = offset ?? 0;
        Tensor Column(double[] s) => s.Length == 1 ? Vector(s) : Vector(s).view(-1, 1);
        AssertAwayFromBoundaries((x - beta0) / Column(steps), range);

        (q.call(x) * c).sum().backward();

        // S(s, β) = Σ c · ((clamp((x − β)/s) + r) · s + β), the rounding residual r frozen at (s0, β0).
        Tensor u0 = ((x - beta0) / Column(steps)).clamp(range.Min, range.Max);
        Tensor residual = u0.round() - u0;
        double Surrogate(double[] s, double beta)
        {
            Tensor st = Column(s);
            return (c * (((x - beta) / st).clamp(range.Min, range.Max) + residual) * st + c * beta).sum().ToDouble();
        }

        const double h = 1e-6;
        double[] stepGradient = Gradient(q.Step);
        for (int i = 0; i < steps.Length; i++)
        {
            double[] plus = (double[])steps.Clone(), minus = (double[])steps.Clone();
            plus[i] += h;
            minus[i] -= h;
            Assert.Equal((Surrogate(plus, beta0) - Surrogate(minus, beta0)) / (2 * h), stepGradient[i], 1e-6);
        }

        if (offset is not null)
        {
            double difference = (Surrogate(steps, beta0 + h) - Surrogate(steps, beta0 - h)) / (2 * h);
            Assert.Equal(difference, Gradient(q.Offset!)[0], 1e-6);
        }
    }

    private static void AssertAwayFromBoundaries(Tensor u, IntegerRange range)
    {
        // Clipped elements sit on an integer after clamping, so only the rounding boundaries inside the range count.
        Tensor clamped = u.clamp(range.Min, range.Max);
        Tensor fromHalf = (clamped - clamped.floor() - 0.5).abs();
        Tensor fromEnds = minimum((u - range.Min).abs(), (u - range.Max).abs());
        Assert.True(fromHalf.min().ToDouble() > 1e-3, "an element lies on a rounding boundary; pick other data");
        Assert.True(fromEnds.min().ToDouble() > 1e-3, "an element lies on a clipping end; pick other data");
    }
}
