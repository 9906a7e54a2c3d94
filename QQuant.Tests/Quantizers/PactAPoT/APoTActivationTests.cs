using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.PactAPoT;

/// <summary>
/// APoT activations: d = clamp(x/α, 0, 1) (or [−1, 1] signed), rounded to the nearest power-of-two level (ties to the
/// smaller), times α. Level sets used by hand: B=1 {0, 1}; B=2 {0, 1/4, 1/2, 1}; B=3 {0, .1, .2, .3, .4, .6, .8, 1};
/// B=4 in 48ths {0, 1, 2, 3, 4, 6, 8, 9, 12, 16, 18, 24, 32, 33, 36, 48}.
/// </summary>
public class APoTActivationTests
{
    /// <summary>An activation quantizer with a fixed sign and clip (initialised at construction), in float64.</summary>
    private static APoTQuantizer Activation(int bits, ActivationSign sign, double alpha)
    {
        var q = new APoTQuantizer(bits, TensorRole.Activation, APoTGrid.PowerOfTwo, sign, initialClip: alpha);
        q.to(float64);
        return q;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Forward.
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Unsigned_2_bit_rounds_to_zero_a_quarter_a_half_or_all_of_alpha()
    {
        using var scope = NewDisposeScope();
        using var q = Activation(2, ActivationSign.Unsigned, 2);

        Tensor actual = q.call(Vector(-1, 0.2, 0.3, 0.7, 0.8, 1.4, 1.6, 3));

        // d = clamp(x/2, 0, 1) = [0, .1, .15, .35, .4, .7, .8, 1]; midpoints 1/8, 3/8, 3/4
        // -> [0, 0, 1/4, 1/4, 1/2, 1/2, 1, 1] -> times 2.
        Close([0, 0, 0.5, 0.5, 1, 1, 2, 2], actual);
    }

    [Fact]
    public void Unsigned_2_bit_ties_go_to_the_smaller_level()
    {
        using var scope = NewDisposeScope();
        using var q = Activation(2, ActivationSign.Unsigned, 2);

        Tensor actual = q.call(Vector(0.25, 0.75, 1.5));

        // d = [1/8, 3/8, 3/4], exactly the midpoints -> the lower levels [0, 1/4, 1/2] -> times 2.
        Close([0, 0.5, 1], actual);
    }

    [Fact]
    public void Unsigned_3_bit_rounds_to_the_tenths_grid()
    {
        using var scope = NewDisposeScope();
        using var q = Activation(3, ActivationSign.Unsigned, 1);

        Tensor actual = q.call(Vector(0.04, 0.06, 0.16, 0.26, 0.34, 0.45, 0.5, 0.55, 0.69, 0.71, 0.88, 0.95, 1.3));

        // α = 1, midpoints .05 .15 .25 .35 .5 .7 .9; 0.5 is a tie and goes down to .4.
        Close([0, 0.1, 0.2, 0.3, 0.3, 0.4, 0.4, 0.6, 0.6, 0.8, 0.8, 1, 1], actual);
    }

    [Fact]
    public void Unsigned_4_bit_rounds_to_the_sixteen_additive_levels()
    {
        using var scope = NewDisposeScope();
        using var q = Activation(4, ActivationSign.Unsigned, 48);

        Tensor actual = q.call(Vector(0.4, 0.6, 5.1, 7.2, 10.4, 14.5, 20.9, 28.1, 32.6, 34.6, 41.9, 42.1, 60));

        // α = 48 so d·48 = x, levels in 48ths {0,1,2,3,4,6,8,9,12,16,18,24,32,33,36,48}; midpoints used:
        // .5, 5, 7, 10.5, 14, 21, 28, 32.5, 34.5, 42.
        Close([0, 1, 6, 8, 9, 16, 18, 32, 33, 36, 36, 48, 48], actual, 1e-12);
    }

    [Fact]
    public void Unsigned_1_bit_is_zero_or_alpha()
    {
        using var scope = NewDisposeScope();
        using var q = Activation(1, ActivationSign.Unsigned, 2);

        // d = [0, .45, .5, .55] with levels {0, 1}: the tie .5 goes to 0 -> times 2.
        Close([0, 0, 0, 2], q.call(Vector(-1, 0.9, 1.0, 1.1)));
    }

    [Fact]
    public void Signed_2_bit_is_a_sign_bit_and_one_magnitude_bit()
    {
        using var scope = NewDisposeScope();
        using var q = Activation(2, ActivationSign.Signed, 2);

        Tensor actual = q.call(Vector(-3, -1.2, -1.0, -0.8, 0.9, 1.0, 1.1));

        // Magnitudes {0, 1}: d = [-1, -.6, -.5, -.4, .45, .5, .55]; the ties ±.5 go to 0 -> times 2.
        Close([-2, -2, 0, 0, 0, 0, 2], actual);
    }

    [Fact]
    public void Signed_3_bit_uses_the_2_bit_magnitudes_on_both_sides()
    {
        using var scope = NewDisposeScope();
        using var q = Activation(3, ActivationSign.Signed, 2);

        Tensor actual = q.call(Vector(-3, -1.4, -0.7, -0.2, 0.3, 0.8, 1.6));

        // d = [-1, -.7, -.35, -.1, .15, .4, .8] -> magnitudes {0, 1/4, 1/2, 1}: [-1, -1/2, -1/4, 0, 1/4, 1/2, 1] -> times 2.
        Close([-2, -1, -0.5, 0, 0.5, 1, 2], actual);
    }

    [Fact]
    public void Signed_4_bit_uses_the_3_bit_magnitudes_on_both_sides()
    {
        using var scope = NewDisposeScope();
        using var q = Activation(4, ActivationSign.Signed, 10);

        Tensor actual = q.call(Vector(-12, -8.9, -5.2, -4.8, -0.4, 0.6, 2.2, 6.9, 7.1));

        // α = 10, magnitude levels times 10 {0,1,2,3,4,6,8,10}, midpoints .5 1.5 2.5 3.5 5 7 9.
        Close([-10, -8, -6, -4, 0, 1, 2, 6, 8], actual, 1e-12);
    }

    [Fact]
    public void Auto_sign_chooses_the_signed_grid_for_data_with_negatives()
    {
        using var scope = NewDisposeScope();
        using var q = new APoTQuantizer(3, TensorRole.Activation, APoTGrid.PowerOfTwo, ActivationSign.Auto, initialClip: 2);
        q.to(float64);
        q.train();

        Tensor actual = q.call(Vector(-1.4, 0.3, 5));

        Assert.True(q.IsSigned);
        Close([2.0], q.Alpha);
        // Signed 3 bits, α = 2: d = [-.7, .15, 1] -> [-1/2, 1/4, 1] -> times 2.
        Close([-1, 0.5, 2], actual);
    }

    [Fact]
    public void Without_a_clip_alpha_comes_from_the_data()
    {
        using var scope = NewDisposeScope();
        using var q = new APoTQuantizer(2, TensorRole.Activation, APoTGrid.PowerOfTwo, ActivationSign.Unsigned);
        q.to(float64);
        q.train();

        q.call(Vector(1, 2, 3));

        // min(max |x|, mean + 3 std) = min(3, 2 + 3) = 3.
        Close([3.0], q.Alpha);
    }

    [Fact]
    public void A_clip_with_a_fixed_sign_initialises_at_construction_and_no_clip_does_not()
    {
        using var fixedClip = new APoTQuantizer(2, TensorRole.Activation, APoTGrid.PowerOfTwo, ActivationSign.Unsigned, initialClip: 5);
        using var fromData = new APoTQuantizer(2, TensorRole.Activation, APoTGrid.PowerOfTwo, ActivationSign.Unsigned);

        Assert.True(fixedClip.IsInitialized);
        Close([5.0], fixedClip.Alpha);
        Assert.False(fromData.IsInitialized);
        fromData.eval();
        Assert.Throws<QuantizerStateException>(() => fromData.call(ones(2)));
    }

    [Fact]
    public void Activations_refuse_per_channel_clips_and_weights_refuse_an_unsigned_grid()
    {
        Assert.Throws<ArgumentException>(() =>
            new APoTQuantizer(4, TensorRole.Activation, APoTGrid.PowerOfTwo, ActivationSign.Unsigned, channels: 3));
        Assert.Throws<ArgumentException>(() =>
            new APoTQuantizer(4, TensorRole.Weight, APoTGrid.PowerOfTwo, ActivationSign.Unsigned));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new APoTQuantizer(4, TensorRole.Activation, APoTGrid.PowerOfTwo, ActivationSign.Unsigned, initialClip: 0));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Gradients: the reparameterised clipping function.
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Unsigned_2_bit_gradients_by_hand()
    {
        using var scope = NewDisposeScope();
        using var q = Activation(2, ActivationSign.Unsigned, 2);
        Tensor x = Vector(-1, 0.3, 0.7, 1.4, 1.6, 3).requires_grad_(true);
        Tensor g = Vector(1, 2, 3, 4, 5, 6);

        (q.call(x) * g).sum().backward();

        // Input: 1 strictly inside (0, α), 0 outside, times g.
        Close([0, 2, 3, 4, 5, 0], x.grad!);
        // d = [0, .15, .35, .7, .8, 1], q = [0, 1/4, 1/4, 1/2, 1, 1]: α gets g·(q - d) inside and g above α:
        // 2·.1 + 3·(-.1) + 4·(-.2) + 5·.2 + 6·1 = 6.1 (nothing from below 0).
        Close([2 * 0.1 + 3 * -0.1 + 4 * -0.2 + 5 * 0.2 + 6], q.Alpha.grad!, 1e-12);
    }

    [Fact]
    public void Signed_3_bit_gradients_by_hand()
    {
        using var scope = NewDisposeScope();
        using var q = Activation(3, ActivationSign.Signed, 2);
        Tensor x = Vector(-3, -0.7, 0.3, 0.8, 2.5).requires_grad_(true);
        Tensor g = Vector(1, 2, 3, 4, 5);

        (q.call(x) * g).sum().backward();

        Close([0, 2, 3, 4, 0], x.grad!);
        // d = [-1, -.35, .15, .4, 1], q = [-1, -1/4, 1/4, 1/2, 1]: -1 below -α, q - d inside, +1 above α:
        // -1 + 2·.1 + 3·.1 + 4·.1 + 5 = 4.9.
        Close([-1 + 2 * 0.1 + 3 * 0.1 + 4 * 0.1 + 5], q.Alpha.grad!, 1e-12);
    }

    [Theory]
    [InlineData(2, ActivationSign.Unsigned)]
    [InlineData(4, ActivationSign.Unsigned)]
    [InlineData(2, ActivationSign.Signed)]
    [InlineData(4, ActivationSign.Signed)]
    public void Alpha_gradient_matches_finite_differences_of_the_straight_through_surrogate(int bits, ActivationSign sign)
    {
        using var scope = NewDisposeScope();
        const double alpha = 1.7;
        using var q = Activation(bits, sign, alpha);
        using var generator = new Generator(41);
        Tensor x = (rand(64, dtype: float64, generator: generator) * 5 - 2.5).requires_grad_(true);
        Tensor g = randn(64, dtype: float64, generator: generator);

        Tensor y = q.call(x);
        (y * g).sum().backward();

        double[] xs = Values(x), gs = Values(g), ys = Values(y);
        double low = sign == ActivationSign.Signed ? -1 : 0;
        // The surrogate keeps the rounding offset c = q - d of the base point fixed: F(a) = Σ g·a·(clamp(x/a) + c).
        double[] offsets = xs.Select((v, i) => ys[i] / alpha - Math.Clamp(v / alpha, low, 1)).ToArray();
        double F(double a) => xs.Select((v, i) => gs[i] * a * (Math.Clamp(v / a, low, 1) + offsets[i])).Sum();
        const double h = 1e-6;
        double numeric = (F(alpha + h) - F(alpha - h)) / (2 * h);

        Close([numeric], q.Alpha.grad!, 1e-6);
        // And the input: 1 strictly inside the clipping range.
        Close(xs.Select((v, i) => v > low * alpha && v < alpha ? gs[i] : 0).ToArray(), x.grad!);
        // Sanity: the rounding offsets are not all zero, so q - d really enters.
        Assert.Contains(offsets, c => Math.Abs(c) > 1e-3);
    }
}
