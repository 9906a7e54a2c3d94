using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using static QQuant.Tests.Quantizers.Lsq.LsqTesting;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Lsq;

/// <summary>LSQ+ forward values: q = round(clamp((x − β) / s, Qn, Qp)) · s + β, round half to even, computed by hand.</summary>
public class LsqPlusQuantizerForwardTests
{
    [Fact]
    public void Unsigned_2_bit_activation_with_an_offset()
    {
        using var scope = NewDisposeScope();
        using LsqPlusQuantizer q = NewLsqPlus(2, signed: false, TensorRole.Activation, [0.5], offset: -0.25);
        Tensor x = Matrix([2, 4], -0.5, -0.25, 0, 0.5, 1.0, 1.5, 0.3, -0.1);

        Tensor y = q.call(x);

        // Qn = 0, Qp = 3, s = .5, β = -.25: (x - β)/s = [-.5, 0, .5, 1.5, 2.5, 3.5, 1.1, .3]
        // -> clamp [0, 0, .5, 1.5, 2.5, 3, 1.1, .3] -> round-even [0, 0, 0, 2, 2, 3, 1, 0] -> k · .5 - .25.
        Close([-0.25, -0.25, -0.25, 0.75, 0.75, 1.25, 0.25, -0.25], y);
        Assert.Equal([2L, 4L], y.shape);
    }

    [Fact]
    public void Signed_4_bit_activation_with_an_offset()
    {
        using var scope = NewDisposeScope();
        using LsqPlusQuantizer q = NewLsqPlus(4, signed: true, TensorRole.Activation, [0.25], offset: 0.5);
        Tensor x = Vector(0.5, -2, 2.5, 0.625, 3, 0.875, -1.375);

        Tensor y = q.call(x);

        // Qn = -8, Qp = 7, s = .25, β = .5: (x - β)/s = [0, -10, 8, .5, 10, 1.5, -7.5]
        // -> clamp [0, -8, 7, .5, 7, 1.5, -7.5] -> round-even [0, -8, 7, 0, 7, 2, -8] -> k · .25 + .5.
        Close([0.5, -1.5, 2.25, 0.5, 2.25, 1.0, -1.5], y);
    }

    [Fact]
    public void Unsigned_4_bit_activation_without_an_offset_is_lsq()
    {
        using var scope = NewDisposeScope();
        using LsqPlusQuantizer q = NewLsqPlus(4, signed: false, TensorRole.Activation, [0.5]);
        Tensor x = Vector(-1.5, 0.25, 3.75, 4.25, 7.25, 7.6, 20);

        Tensor y = q.call(x);

        Assert.Null(q.Offset);
        // Qn = 0, Qp = 15, s = .5: x/s = [-3, .5, 7.5, 8.5, 14.5, 15.2, 40] -> clamp -> round-even
        // [0, 0, 8, 8, 14, 15, 15] -> times .5.
        Close([0, 0, 4, 4, 7, 7.5, 7.5], y);
    }

    [Fact]
    public void Signed_2_bit_weight_with_per_channel_steps_on_a_matrix()
    {
        using var scope = NewDisposeScope();
        using LsqPlusQuantizer q = NewLsqPlus(2, signed: true, TensorRole.Weight, [0.5, 2]);
        Tensor w = Matrix([2, 3], 0.25, -1.2, 0.7, 3, -2, 5);

        Tensor y = q.call(w);

        // Qn = -2, Qp = 1. Row 0, s = .5: x/s = [.5, -2.4, 1.4] -> [0, -2, 1] -> [0, -1, .5].
        // Row 1, s = 2: x/s = [1.5, -1, 2.5] -> clamp [1, -1, 1] -> [2, -2, 2].
        Close([0, -1, 0.5, 2, -2, 2], y);
    }

    [Fact]
    public void Signed_4_bit_weight_with_per_channel_steps_on_a_4d_weight()
    {
        using var scope = NewDisposeScope();
        using LsqPlusQuantizer q = NewLsqPlus(4, signed: true, TensorRole.Weight, [0.25, 1]);
        Tensor w = Matrix([2, 1, 2, 2], 0.125, -0.375, 1, 5, 2.5, -3.5, -10, 0.4);

        Tensor y = q.call(w);

        // Qn = -8, Qp = 7. Channel 0, s = .25: x/s = [.5, -1.5, 4, 20] -> [0, -2, 4, 7] -> [0, -.5, 1, 1.75].
        // Channel 1, s = 1: [2.5, -3.5, -10, .4] -> [2, -4, -8, 0].
        Assert.Equal([2L, 1L, 2L, 2L], y.shape);
        Close([0, -0.5, 1, 1.75, 2, -4, -8, 0], y);
    }

    [Fact]
    public void A_negative_step_acts_as_its_magnitude()
    {
        using var scope = NewDisposeScope();
        Tensor x = Vector(-1.3, -0.6, -0.2, 0.1, 0.35, 0.8, 1.9, 4.2);
        using LsqPlusQuantizer positive = NewLsqPlus(4, signed: true, TensorRole.Activation, [0.3], offset: 0.2);
        using LsqPlusQuantizer negative = NewLsqPlus(4, signed: true, TensorRole.Activation, [-0.3], offset: 0.2);

        Tensor expected = positive.call(x);
        Tensor actual = negative.call(x);

        // The step acts as max(|s|, 1e-8): -0.3 quantizes exactly as 0.3. Spot check 0.8: (0.8 - 0.2)/0.3 = 2 -> 0.8.
        Identical(expected, actual);
        Assert.Equal(0.8, Values(actual)[5], 12);
    }
}
