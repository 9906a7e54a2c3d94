using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using static QQuant.Tests.Quantizers.DsqDoReFa.DsqTestSupport;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.DsqDoReFa;

public class DsqQuantizerGradientTests
{
    // Points away from every interval boundary at 1, 2 and 4 bits for l = -1, u = 2 (boundaries -1 + 3j/n),
    // with one element clipped on each side, and uneven weights so that every element counts.
    private static readonly double[] Points = [-3, -0.93, -0.37, 0.13, 0.55, 0.71, 1.29, 1.87, 2.6];
    private static readonly double[] Weights = [0.3, -1.2, 0.7, 1.1, -0.4, 0.9, 0.5, -0.8, 1.3];

    [Fact]
    public void Input_gradient_at_2_bits_is_the_tanh_slope_inside_and_zero_outside()
    {
        using var scope = NewDisposeScope();
        // l = 0, u = 3, α = 0.2: Δ = 1, k = ln 9, slope = Δ/2·k/(1 − α)·sech²(k(x − m)) = ln9/1.6·sech²(k(x − m)).
        // x = 0.3 (m = 0.5), 1.5 (m = 1.5, sech² = 1), 2.9 (m = 2.5); -1 and 3.5 are clipped -> 0.
        using DsqQuantizer q = Make(2, 0, 3);
        Tensor x = Vector(0.3, 1.5, 2.9, -1, 3.5).requires_grad_(true);
        double c = Math.Log(9);
        double[] expected = [c / 1.6 * Sech2(-0.2 * c), c / 1.6, c / 1.6 * Sech2(0.4 * c), 0, 0];

        q.call(x).sum().backward();

        Close(expected, x.grad!, 1e-12);
    }

    [Fact]
    public void Input_gradient_at_4_bits_is_the_tanh_slope_inside_and_zero_outside()
    {
        using var scope = NewDisposeScope();
        // l = -1, u = 2.75, α = 0.3: Δ = 0.25, k = ln(17/3)/Δ, Δ/2·k/(1 − α) = ln(17/3)/1.4.
        // x = -0.9 (m = -0.875: kd = -0.1 ln(17/3)), 0.6 (m = 0.625: -0.1 ln(17/3)), 2.7 (m = 2.625: 0.3 ln(17/3));
        // -1.5 and 3 are clipped -> 0.
        using DsqQuantizer q = Make(4, -1, 2.75, alpha: 0.3);
        Tensor x = Vector(-0.9, 0.6, 2.7, -1.5, 3).requires_grad_(true);
        double c = Math.Log(17.0 / 3);
        double[] expected = [c / 1.4 * Sech2(-0.1 * c), c / 1.4 * Sech2(-0.1 * c), c / 1.4 * Sech2(0.3 * c), 0, 0];

        q.call(x).sum().backward();

        Close(expected, x.grad!, 1e-12);
    }

    [Fact]
    public void Input_gradient_at_1_bit_is_the_tanh_slope_of_the_single_interval()
    {
        using var scope = NewDisposeScope();
        // l = 0, u = 2, α = 0.2: Δ = 2, k = ln9/2, m = 1; Δ/2·k/(1 − α) = ln9/1.6.
        // x = 0.5: kd = -ln9/4; x = 1.2: kd = 0.1 ln9; -1 and 2.5 clipped -> 0.
        using DsqQuantizer q = Make(1, 0, 2);
        Tensor x = Vector(0.5, 1.2, -1, 2.5).requires_grad_(true);
        double c = Math.Log(9);
        double[] expected = [c / 1.6 * Sech2(-c / 4), c / 1.6 * Sech2(0.1 * c), 0, 0];

        q.call(x).sum().backward();

        Close(expected, x.grad!, 1e-12);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Input_gradient_matches_finite_differences_of_SoftQuantize(int bits)
    {
        using var scope = NewDisposeScope();
        // Per element: (S(x + h) − S(x − h))/2h of the surrogate, against the autograd gradient of the forward.
        using DsqQuantizer q = Make(bits, -1, 2);
        Tensor x = Vector(Points).requires_grad_(true);
        q.call(x).sum().backward();

        const double h = 1e-6;
        double[] expected = Points.Select(p =>
        {
            using var noGrad = no_grad();
            double plus = q.SoftQuantize(Vector(p + h)).ToDouble();
            double minus = q.SoftQuantize(Vector(p - h)).ToDouble();
            return (plus - minus) / (2 * h);
        }).ToArray();

        Close(expected, x.grad!, 1e-6);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Alpha_gradient_of_the_forward_matches_finite_differences_of_SoftQuantize(int bits)
    {
        using var scope = NewDisposeScope();
        using DsqQuantizer q = Make(bits, -1, 2, alpha: 0.2);
        Tensor x = Vector(Points), g = Vector(Weights);
        double expected = FiniteDifference(q, q.Alpha, x, g);

        (q.call(x) * g).sum().backward();

        Assert.True(Math.Abs(expected) > 1e-3, $"the check needs a non-trivial gradient, got {expected}");
        Assert.Equal(expected, Gradient(q.Alpha), 1e-6);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Lower_gradient_of_the_forward_matches_finite_differences_of_SoftQuantize(int bits)
    {
        using var scope = NewDisposeScope();
        using DsqQuantizer q = Make(bits, -1, 2);
        Tensor x = Vector(Points), g = Vector(Weights);
        double expected = FiniteDifference(q, q.Lower, x, g);

        (q.call(x) * g).sum().backward();

        Assert.Equal(expected, Gradient(q.Lower), 1e-6);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Upper_gradient_of_the_forward_matches_finite_differences_of_SoftQuantize(int bits)
    {
        using var scope = NewDisposeScope();
        using DsqQuantizer q = Make(bits, -1, 2);
        Tensor x = Vector(Points), g = Vector(Weights);
        double expected = FiniteDifference(q, q.Upper, x, g);

        (q.call(x) * g).sum().backward();

        Assert.Equal(expected, Gradient(q.Upper), 1e-6);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Clipped_elements_land_on_their_bound_and_give_the_input_no_gradient(int bits)
    {
        using var scope = NewDisposeScope();
        // l = -1, u = 2: below -> l, above -> u; the clip cuts the input's gradient.
        using DsqQuantizer q = Make(bits, -1, 2);
        Tensor x = Vector(-5, -1.5, 2.5, 4, 10).requires_grad_(true);

        Tensor y = q.call(x);
        y.sum().backward();

        Close([-1, -1, 2, 2, 2], y, 0);
        Close(new double[5], x.grad!, 0);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Clipped_elements_give_their_bound_a_gradient_of_one_each_and_the_other_bound_none(int bits)
    {
        using var scope = NewDisposeScope();
        // l = -1, u = 2: the soft value of an element below is l + Δ(0 + (tanh(-ln(2/α - 1)/2)/(1 - α) + 1)/2) = l for
        // every l, u (tanh(-ln(2/α - 1)/2) = α - 1), and of one above is u: two below, three above -> ∂/∂l = 2, ∂/∂u = 3.
        using DsqQuantizer q = Make(bits, -1, 2);
        Tensor x = Vector(-5, -1.5, 2.5, 4, 10);

        q.call(x).sum().backward();

        Assert.Equal(2, Gradient(q.Lower), 1e-9);
        Assert.Equal(3, Gradient(q.Upper), 1e-9);
    }

    [Fact]
    public void Alpha_above_one_half_acts_clamped_but_still_receives_gradient()
    {
        using var scope = NewDisposeScope();
        // α = 0.7 acts as 0.5 − 1e−6: same forward, same surrogate, and the gradient of the clamped value passes to α.
        Tensor x = Vector(Points), g = Vector(Weights);
        using DsqQuantizer outside = Make(2, -1, 2);
        using DsqQuantizer edge = Make(2, -1, 2);
        SetAlpha(outside, 0.7);
        SetAlpha(edge, 0.5 - 1e-6);

        Close(edge.SoftQuantize(x), outside.SoftQuantize(x), 1e-12);
        (outside.call(x) * g).sum().backward();
        (edge.call(x) * g).sum().backward();

        double gradient = Gradient(outside.Alpha);
        Assert.True(Math.Abs(gradient) > 1e-3, $"alpha got no gradient: {gradient}");
        Assert.Equal(Gradient(edge.Alpha), gradient, 1e-9);
    }

    [Fact]
    public void Alpha_at_or_below_zero_acts_clamped_but_still_receives_gradient()
    {
        using var scope = NewDisposeScope();
        // α = -0.3 acts as 1e−6. Points 0.05·Δ from midpoints (l = 0, u = 3, Δ = 1) keep the tanh off saturation.
        Tensor x = Vector(0.55, 1.45, 2.55), g = Vector(1, -2, 0.5);
        using DsqQuantizer outside = Make(2, 0, 3);
        using DsqQuantizer edge = Make(2, 0, 3);
        SetAlpha(outside, -0.3);
        SetAlpha(edge, 1e-6);

        // Up to the rounding of the straight-through sum α + (clamp(α) − α).
        Close(edge.SoftQuantize(x), outside.SoftQuantize(x), 1e-9);
        Assert.True(Values(outside.SoftQuantize(x)).All(double.IsFinite));
        (outside.call(x) * g).sum().backward();
        (edge.call(x) * g).sum().backward();

        double gradient = Gradient(outside.Alpha);
        Assert.True(double.IsFinite(gradient) && Math.Abs(gradient) > 1e-3, $"alpha got no usable gradient: {gradient}");
        double edgeGradient = Gradient(edge.Alpha);
        Assert.True(Math.Abs(edgeGradient - gradient) <= 1e-6 * Math.Abs(edgeGradient), $"{gradient} vs {edgeGradient}");
    }

    [Fact]
    public void The_forward_has_the_input_and_alpha_gradients_of_SoftQuantize()
    {
        using var scope = NewDisposeScope();
        // The hard forward only swaps the value of φ for its sign: autograd through it and through the surrogate agree.
        Tensor g = Vector(Weights);
        using DsqQuantizer hard = Make(4, -1, 2, alpha: 0.25);
        using DsqQuantizer soft = Make(4, -1, 2, alpha: 0.25);
        Tensor xHard = Vector(Points).requires_grad_(true), xSoft = Vector(Points).requires_grad_(true);

        (hard.call(xHard) * g).sum().backward();
        (soft.SoftQuantize(xSoft) * g).sum().backward();

        Close(xSoft.grad!, xHard.grad!, 1e-12);
        Assert.Equal(Gradient(soft.Alpha), Gradient(hard.Alpha), 1e-12);
    }

    [Fact]
    public void The_forward_has_the_lower_and_upper_gradients_of_SoftQuantize()
    {
        using var scope = NewDisposeScope();
        // The hard forward only swaps the value: autograd through it and through the surrogate must agree for the bounds too.
        Tensor g = Vector(Weights);
        using DsqQuantizer hard = Make(4, -1, 2, alpha: 0.25);
        using DsqQuantizer soft = Make(4, -1, 2, alpha: 0.25);
        Tensor xHard = Vector(Points).requires_grad_(true), xSoft = Vector(Points).requires_grad_(true);

        (hard.call(xHard) * g).sum().backward();
        (soft.SoftQuantize(xSoft) * g).sum().backward();

        Assert.Equal(Gradient(soft.Lower), Gradient(hard.Lower), 1e-12);
        Assert.Equal(Gradient(soft.Upper), Gradient(hard.Upper), 1e-12);
    }
}
