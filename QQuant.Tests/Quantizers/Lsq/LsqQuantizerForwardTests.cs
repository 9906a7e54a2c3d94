using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using static QQuant.Tests.Quantizers.Lsq.LsqTesting;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Lsq;

/// <summary>LSQ forward values: q = round(clamp(x / s, Qn, Qp)) · s, round half to even, computed by hand.</summary>
public class LsqQuantizerForwardTests
{
    [Fact]
    public void Signed_2_bit_clips_at_minus_2_and_1_and_rounds_ties_to_even()
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = NewLsq(2, signed: true, TensorRole.Weight, [0.5]);
        Tensor x = Vector(0.25, -0.25, 0.4, -0.8, -1.0, -1.3, 0.5, 0.9, 0.75, 0.1);

        Tensor y = q.call(x);

        // Qn = -2, Qp = 1, s = 0.5: x/s = [.5, -.5, .8, -1.6, -2, -2.6, 1, 1.8, 1.5, .2]
        // -> clamp [.5, -.5, .8, -1.6, -2, -2, 1, 1, 1, .2] -> round-even [0, -0, 1, -2, -2, -2, 1, 1, 1, 0] -> times 0.5.
        Close([0, 0, 0.5, -1, -1, -1, 0.5, 0.5, 0.5, 0], y);
        Assert.Equal(ScalarType.Float64, y.dtype);
    }

    [Fact]
    public void Signed_4_bit_clips_at_minus_8_and_7_and_rounds_ties_to_even()
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = NewLsq(4, signed: true, TensorRole.Weight, [0.25]);
        Tensor x = Vector(-2.325, -2, -1.875, -0.625, 0.125, 0.375, 0.8, 1.625, 1.75, 1.85, 3);

        Tensor y = q.call(x);

        // Qn = -8, Qp = 7, s = 0.25: x/s = [-9.3, -8, -7.5, -2.5, .5, 1.5, 3.2, 6.5, 7, 7.4, 12]
        // -> clamp [-8, -8, -7.5, -2.5, .5, 1.5, 3.2, 6.5, 7, 7, 7] -> round-even [-8, -8, -8, -2, 0, 2, 3, 6, 7, 7, 7] -> times 0.25.
        Close([-2, -2, -2, -0.5, 0, 0.5, 0.75, 1.5, 1.75, 1.75, 1.75], y);
    }

    [Fact]
    public void Unsigned_2_bit_clips_negatives_to_0_and_the_top_at_3()
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = NewLsq(2, signed: false, TensorRole.Activation, [2]);
        Tensor x = Vector(-1, 0, 1, 3, 5, 5.5, 7, 2.2);

        Tensor y = q.call(x);

        // Qn = 0, Qp = 3, s = 2: x/s = [-.5, 0, .5, 1.5, 2.5, 2.75, 3.5, 1.1] -> clamp [0, 0, .5, 1.5, 2.5, 2.75, 3, 1.1]
        // -> round-even [0, 0, 0, 2, 2, 3, 3, 1] -> times 2.
        Close([0, 0, 0, 4, 4, 6, 6, 2], y);
    }

    [Fact]
    public void Unsigned_4_bit_clips_at_0_and_15()
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = NewLsq(4, signed: false, TensorRole.Activation, [0.5]);
        Tensor x = Vector(-1.5, 0.25, 3.75, 4.25, 7.25, 7.6, 20);

        Tensor y = q.call(x);

        // Qn = 0, Qp = 15, s = 0.5: x/s = [-3, .5, 7.5, 8.5, 14.5, 15.2, 40] -> clamp [0, .5, 7.5, 8.5, 14.5, 15, 15]
        // -> round-even [0, 0, 8, 8, 14, 15, 15] -> times 0.5.
        Close([0, 0, 4, 4, 7, 7.5, 7.5], y);
    }

    [Fact]
    public void Unsigned_1_bit_has_the_levels_0_and_1()
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = NewLsq(1, signed: false, TensorRole.Activation, [3]);
        Tensor x = Vector(-2, 1.5, 1.6, 4, 0.3);

        Tensor y = q.call(x);

        // Qn = 0, Qp = 1, s = 3: x/s = [-.67, .5, .533, 1.33, .1] -> clamp [0, .5, .533, 1, .1] -> round [0, 0, 1, 1, 0] -> times 3.
        Close([0, 0, 3, 3, 0], y);
    }

    [Fact]
    public void Signed_2_bit_per_channel_steps_apply_to_the_rows_of_a_matrix()
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = NewLsq(2, signed: true, TensorRole.Weight, [0.5, 2]);
        Tensor w = Matrix([2, 3], 0.25, -1.2, 0.7, 3, -2, 5);

        Tensor y = q.call(w);

        // Qn = -2, Qp = 1. Row 0, s = 0.5: x/s = [.5, -2.4, 1.4] -> clamp [.5, -2, 1] -> round [0, -2, 1] -> [0, -1, .5].
        // Row 1, s = 2: x/s = [1.5, -1, 2.5] -> clamp [1, -1, 1] -> [1, -1, 1] -> [2, -2, 2].
        Assert.Equal([2L, 3L], y.shape);
        Close([0, -1, 0.5, 2, -2, 2], y);
    }

    [Fact]
    public void Signed_4_bit_per_channel_steps_broadcast_along_dimension_0_of_a_4d_weight()
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = NewLsq(4, signed: true, TensorRole.Weight, [0.25, 1]);
        Tensor w = Matrix([2, 1, 2, 2], 0.125, -0.375, 1, 5, 2.5, -3.5, -10, 0.4);

        Tensor y = q.call(w);

        // Qn = -8, Qp = 7. Channel 0, s = .25: x/s = [.5, -1.5, 4, 20] -> clamp [.5, -1.5, 4, 7] -> round-even [0, -2, 4, 7]
        // -> [0, -.5, 1, 1.75]. Channel 1, s = 1: [2.5, -3.5, -10, .4] -> clamp [2.5, -3.5, -8, .4] -> [2, -4, -8, 0].
        Assert.Equal([2L, 1L, 2L, 2L], y.shape);
        Close([0, -0.5, 1, 1.75, 2, -4, -8, 0], y);
    }

    [Fact]
    public void Evaluation_mode_gives_the_same_values_as_training_mode()
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = NewLsq(4, signed: true, TensorRole.Weight, [0.25]);
        Tensor x = Vector(-2.325, -1.875, 0.375, 3);

        q.eval();
        Tensor y = q.call(x);

        // As in the signed 4-bit case: x/s = [-9.3, -7.5, 1.5, 12] -> [-8, -8, 2, 7] -> times 0.25.
        Close([-2, -2, 0.5, 1.75], y);
    }

    [Theory]
    [InlineData(2, true)]
    [InlineData(4, false)]
    public void A_negative_step_acts_as_its_magnitude(int bits, bool signed)
    {
        using var scope = NewDisposeScope();
        Tensor x = Vector(-1.3, -0.6, -0.2, 0.1, 0.35, 0.8, 1.9, 4.2);
        using LsqQuantizer positive = NewLsq(bits, signed, TensorRole.Weight, [0.4]);
        using LsqQuantizer negative = NewLsq(bits, signed, TensorRole.Weight, [-0.4]);

        Tensor expected = positive.call(x);
        Tensor actual = negative.call(x);

        // The step acts as max(|s|, 1e-8), so -0.4 quantizes exactly as 0.4.
        Identical(expected, actual);
        // And the grid is the positive one: 0.8 / 0.4 = 2 is a level at 4 bits, clipped to Qp = 1 at signed 2 bits.
        Assert.Equal(bits == 4 ? 0.8 : 0.4, Values(actual)[5], 12);
    }

    [Fact]
    public void The_input_is_not_modified()
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = NewLsq(2, signed: true, TensorRole.Weight, [0.5]);
        Tensor x = Vector(0.3, -2, 7, 0.25);
        Tensor before = x.clone();

        q.call(x);

        Identical(before, x);
    }
}
