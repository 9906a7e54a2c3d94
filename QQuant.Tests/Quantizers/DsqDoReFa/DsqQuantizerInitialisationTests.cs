using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using static QQuant.Tests.Quantizers.DsqDoReFa.DsqTestSupport;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.DsqDoReFa;

public class DsqQuantizerInitialisationTests
{
    private static DsqQuantizer Fresh(int bits, ActivationSign sign, double alpha = 0.2)
    {
        var q = new DsqQuantizer(bits, sign, alpha);
        q.to(float64);
        SetAlpha(q, alpha);
        q.train();
        return q;
    }

    [Theory]
    [InlineData(ActivationSign.Signed)]
    [InlineData(ActivationSign.Auto)]
    public void The_first_training_batch_sets_lower_to_its_minimum_and_upper_to_its_maximum(ActivationSign sign)
    {
        using var scope = NewDisposeScope();
        // min = -1.25, max = 3.5.
        using DsqQuantizer q = Fresh(4, sign);

        q.call(Vector(0.5, -1.25, 3.5, 2));

        Assert.True(q.IsInitialized);
        Close([-1.25], q.Lower, 0);
        Close([3.5], q.Upper, 0);
    }

    [Fact]
    public void An_unsigned_quantizer_keeps_the_lower_bound_at_zero_or_above()
    {
        using var scope = NewDisposeScope();
        // Negative data: l = max(-2, 0) = 0, u = 1.5. Positive data: l = min = 0.25 (not 0), u = 4.
        using DsqQuantizer withNegatives = Fresh(2, ActivationSign.Unsigned);
        using DsqQuantizer positive = Fresh(2, ActivationSign.Unsigned);

        withNegatives.call(Vector(-2, 0.5, 1.5));
        positive.call(Vector(0.25, 4, 1));

        Close([0], withNegatives.Lower, 0);
        Close([1.5], withNegatives.Upper, 0);
        Close([0.25], positive.Lower, 0);
        Close([4], positive.Upper, 0);
    }

    [Fact]
    public void A_constant_tensor_gets_bounds_half_a_unit_either_side_with_finite_outputs_and_gradients()
    {
        using var scope = NewDisposeScope();
        // c = 1.5 -> [1, 2]; a 2-bit grid over it: Δ = 1/3.
        using DsqQuantizer q = Fresh(2, ActivationSign.Auto);
        Tensor x = full(4, 1.5, dtype: float64).requires_grad_(true);

        Tensor y = q.call(x);
        (y * Vector(1, 2, 3, 4)).sum().backward();

        Close([1], q.Lower, 0);
        Close([2], q.Upper, 0);
        Finite(y);
        Finite(x.grad!);
        Finite(q.Alpha.grad!);
        Finite(q.Lower.grad!);
        Finite(q.Upper.grad!);
    }

    [Fact]
    public void An_unsigned_quantizer_on_all_negative_data_is_finite()
    {
        using var scope = NewDisposeScope();
        // l = max(min, 0) = 0 and u = max(max, l) = 0: constant -> [-0.5, 0.5]; every input lands on the lower bound.
        using DsqQuantizer q = Fresh(4, ActivationSign.Unsigned);
        Tensor x = Vector(-3, -1, -0.5).requires_grad_(true);

        Tensor y = q.call(x);
        y.sum().backward();

        Close([-0.5], q.Lower, 0);
        Close([0.5], q.Upper, 0);
        Finite(y);
        Finite(x.grad!);
    }

    [Fact]
    public void Initialisation_leaves_alpha_at_its_starting_value()
    {
        using var scope = NewDisposeScope();
        using DsqQuantizer q = Fresh(4, ActivationSign.Auto, alpha: 0.35);

        q.call(Vector(-4, 0.1, 9));

        Close([0.35], q.Alpha, 0);
    }

    [Fact]
    public void The_constructor_starts_alpha_at_the_given_value()
    {
        using var scope = NewDisposeScope();
        // Created in float32: 0.35 up to float32 rounding.
        using DsqQuantizer q = new(4, ActivationSign.Auto, 0.35);

        Close([0.35], q.Alpha, 1e-7);
        Assert.True(q.Alpha.requires_grad);
    }

    [Fact]
    public void A_later_training_batch_does_not_move_the_bounds()
    {
        using var scope = NewDisposeScope();
        using DsqQuantizer q = Fresh(2, ActivationSign.Auto);

        q.call(Vector(-1, 2));
        q.call(Vector(-10, 50));

        Close([-1], q.Lower, 0);
        Close([2], q.Upper, 0);
    }

    [Fact]
    public void Evaluating_before_initialisation_throws_QuantizerStateException()
    {
        using var scope = NewDisposeScope();
        using DsqQuantizer q = Fresh(4, ActivationSign.Signed);
        q.eval();

        Assert.Throws<QuantizerStateException>(() => q.call(Vector(1, 2)));
        Assert.False(q.IsInitialized);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(-0.1)]
    [InlineData(0.7)]
    [InlineData(double.NaN)]
    public void The_constructor_refuses_an_initial_alpha_outside_0_to_one_half(double alpha)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DsqQuantizer(4, ActivationSign.Auto, alpha));
    }

    [Fact]
    public void The_state_is_alpha_lower_upper_and_the_two_flags()
    {
        using DsqQuantizer q = new(4, ActivationSign.Auto);

        Assert.Equal(["alpha", "initialized", "lower", "signed", "upper"], q.state_dict().Keys.Order());
        Assert.Equal(["alpha", "lower", "upper"], q.named_parameters().Select(p => p.name).Order());
    }
}
