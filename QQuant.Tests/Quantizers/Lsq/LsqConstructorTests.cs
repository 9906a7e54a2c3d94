using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Lsq;

/// <summary>What the LSQ and LSQ+ constructors accept, reject and register.</summary>
public class LsqConstructorTests
{
    [Theory]
    [InlineData(ActivationSign.Signed)]
    [InlineData(ActivationSign.Auto)]
    public void A_1_bit_lsq_quantizer_that_may_be_signed_is_rejected(ActivationSign sign)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new LsqQuantizer(1, TensorRole.Activation, sign));
        Assert.Equal("bits", error.ParamName);
    }

    [Fact]
    public void A_1_bit_unsigned_lsq_quantizer_is_accepted()
    {
        using var q = new LsqQuantizer(1, TensorRole.Activation, ActivationSign.Unsigned);
        Assert.Equal(1, q.Bits);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    [InlineData(32)]
    public void Lsq_bits_outside_1_to_8_are_rejected(int bits)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => new LsqQuantizer(bits, TensorRole.Activation, ActivationSign.Unsigned));
        Assert.Equal("bits", error.ParamName);
    }

    [Theory]
    [InlineData(1, ActivationSign.Unsigned)]
    [InlineData(1, ActivationSign.Signed)]
    [InlineData(9, ActivationSign.Unsigned)]
    [InlineData(32, ActivationSign.Auto)]
    public void Lsq_plus_takes_2_to_8_bits_only(int bits, ActivationSign sign)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new LsqPlusQuantizer(bits, TensorRole.Activation, sign));
        Assert.Equal("bits", error.ParamName);
    }

    [Fact]
    public void An_lsq_plus_weight_with_an_offset_is_rejected()
    {
        // learnOffset defaults to true, so a weight must ask for none.
        Assert.Throws<ArgumentException>(() => new LsqPlusQuantizer(4, TensorRole.Weight, ActivationSign.Signed));
        Assert.Throws<ArgumentException>(
            () => new LsqPlusQuantizer(4, TensorRole.Weight, ActivationSign.Signed, channels: 3, learnOffset: true));
    }

    [Theory]
    [InlineData(ActivationSign.Unsigned)]
    [InlineData(ActivationSign.Auto)]
    public void An_lsq_plus_weight_must_be_signed(ActivationSign sign)
    {
        Assert.Throws<ArgumentException>(() => new LsqPlusQuantizer(4, TensorRole.Weight, sign, learnOffset: false));
    }

    [Fact]
    public void An_lsq_plus_activation_has_one_step()
    {
        Assert.Throws<ArgumentException>(() => new LsqPlusQuantizer(4, TensorRole.Activation, ActivationSign.Auto, channels: 2));
    }

    [Theory]
    [InlineData(1L, true)]
    [InlineData(5L, false)]
    public void An_lsq_quantizer_registers_its_step_and_two_flags(long channels, bool scaleGradient)
    {
        using var q = new LsqQuantizer(3, TensorRole.Weight, ActivationSign.Signed, channels, scaleGradient);

        Assert.Equal(["step"], q.named_parameters().Select(p => p.name).ToArray());
        Assert.Equal(["initialized", "signed"], q.named_buffers().Select(b => b.name).Order().ToArray());
        Assert.Equal([channels], q.Step.shape);
        Assert.True(q.Step.requires_grad);
        Assert.Equal(channels > 1, q.PerChannel);
        Assert.Equal(scaleGradient, q.ScalesGradient);
        Assert.Equal(TensorRole.Weight, q.Role);
        Assert.False(q.IsInitialized);
    }

    [Fact]
    public void An_lsq_plus_activation_registers_step_and_offset_starting_at_1_and_0()
    {
        using var q = new LsqPlusQuantizer(4, TensorRole.Activation, ActivationSign.Auto);

        Assert.Equal(["offset", "step"], q.named_parameters().Select(p => p.name).Order().ToArray());
        Assert.Equal(1.0, q.Step.ToDouble());
        Assert.NotNull(q.Offset);
        Assert.Equal(0.0, q.Offset!.ToDouble());
        Assert.True(q.ScalesGradient);
    }

    [Fact]
    public void An_lsq_plus_weight_registers_only_a_step_per_channel()
    {
        using var q = new LsqPlusQuantizer(
            2, TensorRole.Weight, ActivationSign.Signed, channels: 4, learnOffset: false, scaleGradient: false);

        Assert.Equal(["step"], q.named_parameters().Select(p => p.name).ToArray());
        Assert.Null(q.Offset);
        Assert.Equal([4L], q.Step.shape);
        Assert.False(q.ScalesGradient);
        Assert.True(q.IsSigned);
    }
}
