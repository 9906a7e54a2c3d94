using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.PactAPoT;

/// <summary>PACT: y = clamp(x, 0, α), q = round(y·L/α)·α/L with L = 2^b − 1 (or 2^(b−1) − 1 per side when signed).</summary>
public class PactQuantizerTests
{
    /// <summary>A quantizer with a fixed sign and clip (initialised at construction), in float64.</summary>
    private static PactQuantizer Pact(int bits, ActivationSign sign, double alpha)
    {
        var q = new PactQuantizer(bits, sign, alpha);
        q.to(float64);
        return q;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Forward.
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Unsigned_2_bit_clamps_to_zero_and_alpha_and_rounds_to_thirds_of_alpha()
    {
        using var scope = NewDisposeScope();
        using var q = Pact(2, ActivationSign.Unsigned, 2);

        Tensor actual = q.call(Vector(-1, 0, 0.3, 0.5, 1.2, 1.9, 2, 5));

        // α = 2, L = 3: y = clamp(x, 0, 2) = [0, 0, .3, .5, 1.2, 1.9, 2, 2]; y·3/2 = [0, 0, .45, .75, 1.8, 2.85, 3, 3]
        // -> round [0, 0, 0, 1, 2, 3, 3, 3] -> times 2/3.
        Close([0, 0, 0, 2 / 3.0, 4 / 3.0, 2, 2, 2], actual);
    }

    [Fact]
    public void Unsigned_4_bit_rounds_to_fifteenths_of_alpha()
    {
        using var scope = NewDisposeScope();
        using var q = Pact(4, ActivationSign.Unsigned, 3);

        Tensor actual = q.call(Vector(-0.5, 0.07, 0.13, 1.01, 2.33, 2.95, 3.5));

        // α = 3, L = 15, step 0.2: y·5 = [0, .35, .65, 5.05, 11.65, 14.75, 15] -> [0, 0, 1, 5, 12, 15, 15] -> times 0.2.
        Close([0, 0, 0.2, 1.0, 2.4, 3.0, 3.0], actual);
    }

    [Fact]
    public void Ties_round_half_to_even_as_torch_round_does()
    {
        using var scope = NewDisposeScope();
        using var q = Pact(2, ActivationSign.Unsigned, 3);

        Tensor actual = q.call(Vector(0.5, 1.5, 2.5));

        // α = 3, L = 3, step 1 (exact): y/step = [.5, 1.5, 2.5] -> half to even [0, 2, 2].
        Close([0, 2, 2], actual);
    }

    [Fact]
    public void Signed_2_bit_is_ternary_on_minus_alpha_zero_alpha()
    {
        using var scope = NewDisposeScope();
        using var q = Pact(2, ActivationSign.Signed, 2);

        Tensor actual = q.call(Vector(-3, -1.2, -0.8, 0.9, 1.1, 2.5));

        // α = 2, one step per side: y = clamp(x, -2, 2); y/2 = [-1, -.6, -.4, .45, .55, 1] -> [-1, -1, 0, 0, 1, 1] -> times 2.
        Close([-2, -2, 0, 0, 2, 2], actual);
    }

    [Fact]
    public void Signed_4_bit_has_seven_steps_per_side()
    {
        using var scope = NewDisposeScope();
        using var q = Pact(4, ActivationSign.Signed, 3.5);

        Tensor actual = q.call(Vector(-4, -3.3, -1.1, -0.2, 0.3, 1.4, 3.2, 3.6));

        // α = 3.5, L = 7, step 0.5: y = clamp(x, -3.5, 3.5); 2y = [-7, -6.6, -2.2, -.4, .6, 2.8, 6.4, 7]
        // -> [-7, -7, -2, 0, 1, 3, 6, 7] -> halves.
        Close([-3.5, -3.5, -1, 0, 0.5, 1.5, 3, 3.5], actual);
    }

    [Fact]
    public void A_negative_alpha_acts_as_its_magnitude()
    {
        using var scope = NewDisposeScope();
        using var q = Pact(2, ActivationSign.Unsigned, 2);
        using (no_grad())
        {
            q.Alpha.fill_(-2.0);
        }

        Tensor actual = q.call(Vector(-1, 0.5, 1.2, 5));

        // |α| = 2, L = 3: y·3/2 = [0, .75, 1.8, 3] -> [0, 1, 2, 3] -> times 2/3.
        Close([0, 2 / 3.0, 4 / 3.0, 2], actual);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Gradients: the paper's straight-through rule, not the LSQ-style step gradient.
    // ---------------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Unsigned_gradients_are_one_inside_for_the_input_and_one_above_alpha_for_alpha(int bits)
    {
        using var scope = NewDisposeScope();
        using var q = Pact(bits, ActivationSign.Unsigned, 2);
        Tensor x = Vector(-1, 0, 0.5, 1.9, 2, 3).requires_grad_(true);
        Tensor g = Vector(1, 2, 3, 4, 5, 6);

        (q.call(x) * g).sum().backward();

        // Input: 1 for 0 <= x < α ([-1: 0, 0: 1, .5: 1, 1.9: 1, 2: 0, 3: 0]) times g.
        Close([0, 2, 3, 4, 0, 0], x.grad!);
        // α: the sum of g where x >= α (2 and 3): 5 + 6; nothing from inside the range.
        Close([11.0], q.Alpha.grad!);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Signed_gradients_give_alpha_minus_one_below_minus_alpha(int bits)
    {
        using var scope = NewDisposeScope();
        using var q = Pact(bits, ActivationSign.Signed, 2);
        Tensor x = Vector(-3, -2, -1, 0.5, 2, 4).requires_grad_(true);
        Tensor g = Vector(1, 2, 3, 4, 5, 6);

        (q.call(x) * g).sum().backward();

        // Input: 1 for -α <= x < α ([-3: 0, -2: 1, -1: 1, .5: 1, 2: 0, 4: 0]) times g.
        Close([0, 2, 3, 4, 0, 0], x.grad!);
        // α: +g where x >= α (5 + 6), -g where x < -α (-1): 10.
        Close([10.0], q.Alpha.grad!);
    }

    [Fact]
    public void The_alpha_gradient_ignores_the_rounding_error_inside_the_range()
    {
        using var scope = NewDisposeScope();
        using var q = Pact(2, ActivationSign.Unsigned, 3);
        // Every value inside and off the grid: an LSQ-style rule would give round(x/s) - x/s != 0 here.
        Tensor x = Vector(0.2, 0.7, 1.4, 2.2).requires_grad_(true);

        q.call(x).sum().backward();

        // No x >= α: the paper's α gradient is exactly 0.
        Close([0.0], q.Alpha.grad!);
        Close([1, 1, 1, 1], x.grad!);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Initialisation.
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void A_given_clip_with_a_fixed_sign_initialises_at_construction()
    {
        using var scope = NewDisposeScope();
        using var q = Pact(3, ActivationSign.Unsigned, 4);

        Assert.True(q.IsInitialized);
        Assert.False(q.IsSigned);
        Close([4.0], q.Alpha);
        q.eval();
        // α = 4, L = 7: 1·7/4 = 1.75 -> 2 -> 2·4/7.
        Close([8 / 7.0], q.call(Vector(1)));
    }

    [Fact]
    public void A_given_clip_with_auto_sign_waits_for_data_to_choose_the_sign_but_keeps_the_clip()
    {
        using var scope = NewDisposeScope();
        using var q = new PactQuantizer(2, ActivationSign.Auto, 4);
        q.to(float64);
        Assert.False(q.IsInitialized);

        q.train();
        Tensor y = q.call(Vector(-1, 10, 3));

        Assert.True(q.IsInitialized);
        Assert.True(q.IsSigned);
        // The clip, not a data statistic (max |x| would be 10).
        Close([4.0], q.Alpha);
        // Signed, α = 4, one step per side: clamp to [-4, 4], /4 = [-.25, 1, .75] -> [0, 1, 1] -> times 4.
        Close([0, 4, 4], y);
    }

    [Fact]
    public void Without_a_clip_alpha_is_mean_plus_three_unbiased_std_of_the_magnitudes_when_below_the_max()
    {
        using var scope = NewDisposeScope();
        using var q = new PactQuantizer(4, ActivationSign.Auto);
        q.to(float64);
        double[] data = new double[20];
        data[7] = -10;

        q.train();
        q.call(Vector(data));

        // |x|: nineteen zeros and a 10. mean = 0.5; squared deviations 19·0.25 + 9.5² = 95; unbiased variance 95/19 = 5;
        // mean + 3·std = 0.5 + 3·√5 ≈ 7.21 < max = 10.
        Close([0.5 + 3 * Math.Sqrt(5)], q.Alpha, 1e-9);
        Assert.True(q.IsSigned);
    }

    [Fact]
    public void Without_a_clip_alpha_is_the_largest_magnitude_when_the_spread_exceeds_it()
    {
        using var scope = NewDisposeScope();
        using var q = new PactQuantizer(2, ActivationSign.Unsigned);
        q.to(float64);

        q.train();
        q.call(Vector(1, -2, 3));

        // |x| = [1, 2, 3]: mean 2, unbiased std 1, mean + 3 std = 5 > max |x| = 3.
        Close([3.0], q.Alpha, 1e-12);
        Assert.False(q.IsSigned);
    }

    [Fact]
    public void All_zero_data_gives_alpha_one()
    {
        using var scope = NewDisposeScope();
        using var q = new PactQuantizer(2, ActivationSign.Auto);
        q.to(float64);

        q.train();
        q.call(zeros(2, 3, dtype: float64));

        Close([1.0], q.Alpha);
        Assert.False(q.IsSigned);
    }

    [Fact]
    public void InitializeFrom_uses_the_same_formula_as_the_first_training_forward()
    {
        using var scope = NewDisposeScope();
        using var q = new PactQuantizer(2, ActivationSign.Unsigned);
        q.to(float64);

        q.InitializeFrom(Vector(1, 2, 3));

        // |x| = [1, 2, 3]: min(3, 2 + 3·1) = 3.
        Assert.True(q.IsInitialized);
        Close([3.0], q.Alpha);
    }

    [Fact]
    public void Evaluating_before_initialisation_throws()
    {
        using var scope = NewDisposeScope();
        using var q = new PactQuantizer(2, ActivationSign.Unsigned);
        q.eval();

        Assert.Throws<QuantizerStateException>(() => q.call(ones(3)));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Arguments.
    // ---------------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(1, ActivationSign.Signed)]
    [InlineData(1, ActivationSign.Auto)]
    [InlineData(9, ActivationSign.Unsigned)]
    public void Impossible_widths_are_refused(int bits, ActivationSign sign) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PactQuantizer(bits, sign));

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void A_clip_that_is_not_positive_is_refused(double clip) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PactQuantizer(2, ActivationSign.Unsigned, clip));

    [Fact]
    public void One_unsigned_bit_is_a_step_at_half_alpha()
    {
        using var scope = NewDisposeScope();
        using var q = Pact(1, ActivationSign.Unsigned, 2);

        // α = 2, L = 1: y/2 = [0, .45, .55, 1] -> [0, 0, 1, 1] -> times 2.
        Close([0, 0, 2, 2], q.call(Vector(-1, 0.9, 1.1, 3)));
    }
}
