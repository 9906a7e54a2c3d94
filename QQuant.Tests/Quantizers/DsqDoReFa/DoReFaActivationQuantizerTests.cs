using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.DsqDoReFa;

public class DoReFaActivationQuantizerTests
{
    private static DoReFaActivationQuantizer Make(int bits, ActivationSign sign)
    {
        var q = new DoReFaActivationQuantizer(bits, sign);
        q.to(float64);
        q.train();
        return q;
    }

    [Fact]
    public void Unsigned_2_bit_rounds_the_clamped_input_onto_thirds()
    {
        using var scope = NewDisposeScope();
        // 3·clamp(x, 0, 1) = [0, 0, .3, .6, 1.35, 2.1, 3, 3] -> [0, 0, 0, 1, 1, 2, 3, 3] -> /3.
        using var q = Make(2, ActivationSign.Unsigned);

        Close([0, 0, 0, 1 / 3.0, 1 / 3.0, 2 / 3.0, 1, 1], q.call(Vector(-0.5, 0, 0.1, 0.2, 0.45, 0.7, 1, 1.3)), 1e-15);
    }

    [Fact]
    public void Unsigned_4_bit_rounds_the_clamped_input_onto_fifteenths()
    {
        using var scope = NewDisposeScope();
        // 15·clamp(x, 0, 1) = [0, .45, 7.2, 11.55, 14.85, 15, 15] -> [0, 0, 7, 12, 15, 15, 15] -> /15.
        using var q = Make(4, ActivationSign.Unsigned);

        Close([0, 0, 7 / 15.0, 12 / 15.0, 1, 1, 1], q.call(Vector(-2, 0.03, 0.48, 0.77, 0.99, 1, 4)), 1e-15);
    }

    [Fact]
    public void Unsigned_1_bit_rounds_to_zero_or_one()
    {
        using var scope = NewDisposeScope();
        // round(clamp(x, 0, 1)) = [0, 1, 0, 1].
        using var q = Make(1, ActivationSign.Unsigned);

        Close([0, 1, 0, 1], q.call(Vector(0.3, 0.7, -1, 2)), 0);
    }

    [Fact]
    public void Signed_2_bit_uses_the_four_levels_of_minus_one_to_one()
    {
        using var scope = NewDisposeScope();
        // r = (clamp(x, -1, 1) + 1)/2, 3r = [0, .15, .75, 1.65, 2.55, 3] -> [0, 0, 1, 2, 3, 3] -> 2k/3 - 1.
        using var q = Make(2, ActivationSign.Signed);

        Close([-1, -1, -1 / 3.0, 1 / 3.0, 1, 1], q.call(Vector(-2, -0.9, -0.5, 0.1, 0.7, 3)), 1e-15);
    }

    [Fact]
    public void Signed_4_bit_uses_odd_fifteenths()
    {
        using var scope = NewDisposeScope();
        // 15r = [0, 3.75, 9, 14.625] -> [0, 4, 9, 15] -> 2k/15 - 1 = [-1, -7/15, 0.2, 1].
        using var q = Make(4, ActivationSign.Signed);

        Close([-1, -7 / 15.0, 0.2, 1], q.call(Vector(-1, -0.5, 0.2, 0.95)), 1e-15);
    }

    [Fact]
    public void Signed_1_bit_gives_plus_or_minus_one()
    {
        using var scope = NewDisposeScope();
        // r = (x + 1)/2 = [.35, .65, 0, 1] -> [0, 1, 0, 1] -> 2k - 1.
        using var q = Make(1, ActivationSign.Signed);

        Close([-1, 1, -1, 1], q.call(Vector(-0.3, 0.3, -4, 4)), 0);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Unsigned_gradient_is_one_on_0_to_1_ends_included_and_zero_outside(int bits)
    {
        using var scope = NewDisposeScope();
        using var q = Make(bits, ActivationSign.Unsigned);
        Tensor x = Vector(-0.1, 0, 0.37, 0.5, 1, 1.1, 3).requires_grad_(true);

        q.call(x).sum().backward();

        Close([0, 1, 1, 1, 1, 0, 0], x.grad!, 0);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Signed_gradient_is_one_on_minus_1_to_1_ends_included_and_zero_outside(int bits)
    {
        using var scope = NewDisposeScope();
        using var q = Make(bits, ActivationSign.Signed);
        Tensor x = Vector(-1.5, -1, -0.4, 0.3, 1, 1.01).requires_grad_(true);

        q.call(x).sum().backward();

        Close([0, 1, 1, 1, 1, 0], x.grad!, 0);
    }

    [Theory]
    [InlineData(ActivationSign.Signed)]
    [InlineData(ActivationSign.Unsigned)]
    public void A_fixed_sign_is_initialised_at_construction_and_evaluates_at_once(ActivationSign sign)
    {
        using var scope = NewDisposeScope();
        using var q = Make(2, sign);
        q.eval();

        Assert.True(q.IsInitialized);
        Assert.Equal(sign == ActivationSign.Signed, q.IsSigned);
        // Signed: 3·(−0.5 + 1)/2 = .75 -> 1 -> -1/3. Unsigned: clamp to 0 -> 0.
        Close([sign == ActivationSign.Signed ? -1 / 3.0 : 0], q.call(Vector(-0.5)), 1e-15);
    }

    [Fact]
    public void Auto_evaluated_before_any_training_batch_throws_QuantizerStateException()
    {
        using var scope = NewDisposeScope();
        using var q = Make(4, ActivationSign.Auto);
        q.eval();

        Assert.False(q.IsInitialized);
        Assert.Throws<QuantizerStateException>(() => q.call(Vector(0.5)));
    }

    [Fact]
    public void Auto_becomes_signed_from_a_first_batch_with_negatives_and_stays_so()
    {
        using var scope = NewDisposeScope();
        using var q = Make(2, ActivationSign.Auto);

        q.call(Vector(-0.2, 0.5));
        q.call(Vector(0.1, 0.9));
        q.eval();

        Assert.True(q.IsInitialized);
        Assert.True(q.IsSigned);
        Assert.True(q.state_dict()["signed"].ToBoolean());
        // Still the signed grid: 3·(−0.5 + 1)/2 = .75 -> 1 -> -1/3.
        Close([-1 / 3.0], q.call(Vector(-0.5)), 1e-15);
    }

    [Fact]
    public void Auto_becomes_unsigned_from_a_first_batch_without_negatives_and_stays_so()
    {
        using var scope = NewDisposeScope();
        using var q = Make(2, ActivationSign.Auto);

        q.call(Vector(0, 0.5));
        q.call(Vector(-0.7, 0.9));
        q.eval();

        Assert.True(q.IsInitialized);
        Assert.False(q.IsSigned);
        Assert.False(q.state_dict()["signed"].ToBoolean());
        // Still the unsigned grid: -0.5 clamps to 0.
        Close([0], q.call(Vector(-0.5)), 0);
    }

    [Fact]
    public void Auto_uses_the_signed_grid_on_the_very_batch_that_decided_it()
    {
        using var scope = NewDisposeScope();
        // Signed 2-bit: x = -0.5 -> -1/3, 0.7 -> 1 (3·0.85 = 2.55 -> 3).
        using var q = Make(2, ActivationSign.Auto);

        Close([-1 / 3.0, 1], q.call(Vector(-0.5, 0.7)), 1e-15);
    }

    [Fact]
    public void The_state_is_only_the_two_flags()
    {
        using var q = new DoReFaActivationQuantizer(4, ActivationSign.Auto);

        Assert.Equal(["initialized", "signed"], q.state_dict().Keys.Order());
        Assert.Empty(q.parameters());
    }
}
