using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.DsqDoReFa;

public class DoReFaWeightQuantizerTests
{
    private static DoReFaWeightQuantizer Make(int bits, bool perChannel = false)
    {
        var q = new DoReFaWeightQuantizer(bits, perChannel);
        q.to(float64);
        return q;
    }

    /// <summary>Weights whose tanh is exactly the given values (up to rounding), so the hand computation starts from tanh.</summary>
    private static double[] Atanh(params double[] t) => t.Select(Math.Atanh).ToArray();

    [Fact]
    public void Two_bit_weights_follow_the_paper_formula()
    {
        using var scope = NewDisposeScope();
        // tanh w = [.8, -.4, .1, -.8, .5], M = .8, r = t/1.6 + .5 = [1, .25, .5625, 0, .8125],
        // 3r = [3, .75, 1.6875, 0, 2.4375] -> [3, 1, 2, 0, 2] -> 2k/3 - 1.
        using var q = Make(2);
        Tensor w = Vector(Atanh(0.8, -0.4, 0.1, -0.8, 0.5));

        Close([1, -1 / 3.0, 1 / 3.0, -1, 1 / 3.0], q.call(w), 1e-15);
    }

    [Fact]
    public void Four_bit_weights_follow_the_paper_formula()
    {
        using var scope = NewDisposeScope();
        // tanh w = [.9, -.9, .3, -.5, .05, .7], M = .9, r = t/1.8 + .5, 15r = [15, 0, 10, 3.33, 7.92, 13.33]
        // -> [15, 0, 10, 3, 8, 13] -> 2k/15 - 1 = [1, -1, 1/3, -0.6, 1/15, 11/15].
        using var q = Make(4);
        Tensor w = Vector(Atanh(0.9, -0.9, 0.3, -0.5, 0.05, 0.7));

        Close([1, -1, 1 / 3.0, -0.6, 1 / 15.0, 11 / 15.0], q.call(w), 1e-15);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Every_level_is_an_odd_multiple_of_one_over_2_to_the_b_minus_1(int bits)
    {
        using var scope = NewDisposeScope();
        // w_q·(2^b − 1) = 2k − (2^b − 1) is odd for every k; there is no zero level, and both ends ±1 are reached.
        using var q = Make(bits);
        Tensor w = linspace(-2, 2, 401, dtype: float64);
        int n = (1 << bits) - 1;

        double[] scaled = Values(q.call(w)).Select(v => v * n).ToArray();

        Assert.All(scaled, s =>
        {
            double k = Math.Round(s);
            Assert.True(Math.Abs(s - k) < 1e-9, $"{s} is not on the grid");
            Assert.True(Math.Abs(k % 2) == 1, $"{k} is even");
        });
        Assert.Equal(n + 1, scaled.Select(s => Math.Round(s)).Distinct().Count());
        Assert.Equal(-n, scaled.Min(), 1e-9);
        Assert.Equal(n, scaled.Max(), 1e-9);
    }

    [Fact]
    public void Per_channel_weights_take_the_maximum_of_each_row()
    {
        using var scope = NewDisposeScope();
        // Row 0: tanh = [.5, -.25, .1], M = .5, r = t + .5 = [1, .25, .6], 3r -> [3, 1, 2] -> [1, -1/3, 1/3].
        // Row 1: tanh = [-.2, .05, .12], M = .2, r = t/.4 + .5 = [0, .625, .8], 3r -> [0, 2, 2] -> [-1, 1/3, 1/3].
        using var q = Make(2, perChannel: true);
        Tensor w = Matrix([2, 3], Atanh(0.5, -0.25, 0.1, -0.2, 0.05, 0.12));

        Tensor y = q.call(w);

        Assert.Equal([2L, 3L], y.shape);
        Close([1, -1 / 3.0, 1 / 3.0, -1, 1 / 3.0, 1 / 3.0], y, 1e-15);
    }

    [Fact]
    public void Per_tensor_weights_take_one_maximum_for_the_same_matrix()
    {
        using var scope = NewDisposeScope();
        // M = .5 for both rows: row 1 r = [.3, .55, .62], 3r = [.9, 1.65, 1.86] -> [1, 2, 2] -> [-1/3, 1/3, 1/3].
        using var q = Make(2);
        Tensor w = Matrix([2, 3], Atanh(0.5, -0.25, 0.1, -0.2, 0.05, 0.12));

        Close([1, -1 / 3.0, 1 / 3.0, -1 / 3.0, 1 / 3.0, 1 / 3.0], q.call(w), 1e-15);
    }

    /// <summary>The straight-through surrogate 2·(tanh(w)/(2M) + ½) − 1 = tanh(w)/M, per tensor or per row.</summary>
    private static Tensor Surrogate(Tensor w, bool perChannel)
    {
        Tensor t = w.tanh();
        Tensor m = perChannel ? t.abs().amax([1], keepdim: true) : t.abs().max();
        return t / m;
    }

    [Theory]
    [InlineData(2, false)]
    [InlineData(4, false)]
    [InlineData(2, true)]
    [InlineData(4, true)]
    public void The_gradient_goes_through_tanh_and_the_maximum(int bits, bool perChannel)
    {
        using var scope = NewDisposeScope();
        // Autograd of Σ g·w_q against central differences (h = 1e−6) of Σ g·tanh(w)/M, element by element.
        double[] values = [0.7, -1.3, 0.2, 0.45, -0.35, 0.9, -0.1, 0.05];
        double[] weights = [1.5, -0.7, 0.3, 2.0, -1.1, 0.6, 0.9, -0.4];
        long[] shape = [2, 4];
        Tensor g = Matrix(shape, weights);
        Tensor w = Matrix(shape, values).requires_grad_(true);
        using var q = Make(bits, perChannel);

        (q.call(w) * g).sum().backward();

        const double h = 1e-6;
        double[] expected = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double[] plus = (double[])values.Clone(), minus = (double[])values.Clone();
            plus[i] += h;
            minus[i] -= h;
            double fPlus = (Surrogate(Matrix(shape, plus), perChannel) * g).sum().ToDouble();
            double fMinus = (Surrogate(Matrix(shape, minus), perChannel) * g).sum().ToDouble();
            expected[i] = (fPlus - fMinus) / (2 * h);
        }

        Close(expected, w.grad!, 1e-7);
    }

    [Fact]
    public void The_gradient_of_the_largest_weight_is_only_its_share_through_the_maximum()
    {
        using var scope = NewDisposeScope();
        // w = [atanh .8, atanh .4], M = tanh w0: w_q ≈ [1, t1/t0] -> ∂/∂w0 = -t1/t0²·(1 - t0²) = -.4/.64·.36 = -.225,
        // ∂/∂w1 = (1 - t1²)/t0 = .84/.8 = 1.05 (unit upstream gradient).
        using var q = Make(4);
        Tensor w = Vector(Atanh(0.8, 0.4)).requires_grad_(true);

        q.call(w).sum().backward();

        Close([-0.225, 1.05], w.grad!, 1e-12);
    }

    [Fact]
    public void One_bit_weights_are_the_sign_times_the_mean_magnitude()
    {
        using var scope = NewDisposeScope();
        // mean|w| = (0.5 + 1.5 + 0 + 2)/4 = 1; sign(0) = +1 -> [1, -1, 1, 1].
        using var q = Make(1);

        Close([1, -1, 1, 1], q.call(Vector(0.5, -1.5, 0, 2)), 0);
    }

    [Fact]
    public void One_bit_per_channel_weights_use_each_rows_mean_magnitude()
    {
        using var scope = NewDisposeScope();
        // Row 0: mean|w| = (1 + 2 + 3)/3 = 2 -> [2, -2, 2]; row 1: (0.5 + 0 + 0.25)/3 = 0.25 -> [-0.25, 0.25, 0.25].
        using var q = Make(1, perChannel: true);

        Close([2, -2, 2, -0.25, 0.25, 0.25], q.call(Matrix([2, 3], 1, -2, 3, -0.5, 0, 0.25)), 1e-15);
    }

    [Fact]
    public void One_bit_weights_pass_the_gradient_unchanged()
    {
        using var scope = NewDisposeScope();
        // Straight-through sign with a constant scale: ∂w_q/∂w = 1 element-wise, so the gradient is g.
        using var q = Make(1);
        Tensor w = Vector(0.5, -1.5, 0, 2).requires_grad_(true);
        Tensor g = Vector(0.3, -2, 1.25, 4);

        (q.call(w) * g).sum().backward();

        Close(g, w.grad!, 0);
    }

    [Theory]
    [InlineData(1, 0.0)]
    [InlineData(2, 1 / 3.0)]
    [InlineData(4, 1 / 15.0)]
    public void An_all_zero_weight_is_finite(int bits, double level)
    {
        using var scope = NewDisposeScope();
        // tanh 0 = 0, M = 0 falls back to 1: r = 0.5 -> the level just above zero, 1/(2^b − 1); 1 bit: 0·mean = 0.
        using var q = Make(bits);
        Tensor w = zeros(2, 3, dtype: float64).requires_grad_(true);

        Tensor y = q.call(w);
        y.sum().backward();

        Close(Enumerable.Repeat(level, 6).ToArray(), y, 1e-15);
        Finite(w.grad!);
    }

    [Fact]
    public void An_all_zero_channel_is_finite_and_leaves_the_other_channel_alone()
    {
        using var scope = NewDisposeScope();
        // Row 0 as in the per-channel case -> [1, -1/3, 1/3]; row 1 all zero -> 1/3 everywhere.
        using var q = Make(2, perChannel: true);
        Tensor w = Matrix([2, 3], Atanh(0.5, -0.25, 0.1, 0, 0, 0)).requires_grad_(true);

        Tensor y = q.call(w);
        y.sum().backward();

        Close([1, -1 / 3.0, 1 / 3.0, 1 / 3.0, 1 / 3.0, 1 / 3.0], y, 1e-15);
        Finite(w.grad!);
    }

    [Fact]
    public void The_weight_quantizer_is_initialised_and_signed_from_construction()
    {
        using var scope = NewDisposeScope();
        using var q = Make(2);
        q.eval();

        Assert.True(q.IsInitialized);
        Assert.True(q.IsSigned);
        Finite(q.call(Vector(0.3, -0.2)));
    }
}
