using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.PactAPoT;

/// <summary>
/// APoT weights: ŵ = (w − mean w)/std w (unbiased), d = clamp(ŵ/α, −1, 1), rounded to a signed grid, times α.
/// </summary>
/// <remarks>
/// The weight used by hand, W = [-3.5, -1.5, -1.5, 0.5, 1.5, 2.5, 5.5]: mean 3.5/7 = 0.5; deviations
/// [-4, -2, -2, 0, 1, 2, 5], squares summing to 54, unbiased variance 54/6 = 9, std 3; so ŵ = [-4, -2, -2, 0, 1, 2, 5]/3.
/// </remarks>
public class APoTWeightTests
{
    private static readonly double[] W = [-3.5, -1.5, -1.5, 0.5, 1.5, 2.5, 5.5];

    private static APoTQuantizer Weight(
        int bits, APoTGrid grid = APoTGrid.PowerOfTwo, long channels = 1, ClippedWeightGradient clipped = ClippedWeightGradient.PassAtTwoBits)
    {
        var q = new APoTQuantizer(bits, TensorRole.Weight, grid, ActivationSign.Signed, channels, clippedGradient: clipped);
        q.to(float64);
        return q;
    }

    private static void SetAlpha(APoTQuantizer q, params double[] alpha)
    {
        using var noGrad = no_grad();
        q.Alpha.copy_(Vector(alpha));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Construction.
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Weights_start_at_alpha_three_initialised_without_data()
    {
        using var q = new APoTQuantizer(4, TensorRole.Weight, APoTGrid.PowerOfTwo, ActivationSign.Signed, channels: 5);

        Assert.True(q.IsInitialized);
        Assert.True(q.IsSigned);
        Assert.Equal(new long[] { 5 }, q.Alpha.shape);
        Close([3, 3, 3, 3, 3], q.Alpha);
        Assert.Equal(3.0, APoTQuantizer.WeightClip);
        // Evaluation needs no data.
        q.eval();
        using Tensor y = q.call(randn(5, 2));
        Finite(y);
    }

    [Fact]
    public void A_training_forward_does_not_move_the_weight_clip()
    {
        using var scope = NewDisposeScope();
        using var q = Weight(4);
        q.train();

        q.call(Vector(W).mul(100));

        Close([3.0], q.Alpha);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Forward.
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Four_bit_weights_standardise_then_round_to_the_3_bit_magnitudes()
    {
        using var scope = NewDisposeScope();
        using var q = Weight(4);

        Tensor actual = q.call(Vector(W));

        // d = ŵ/3 = [-4, -2, -2, 0, 1, 2, 5]/9 = [-.444, -.222, -.222, 0, .111, .222, .556]; magnitudes
        // {0,.1,.2,.3,.4,.6,.8,1} (midpoints .05 .15 .25 .35 .5 .7 .9) -> [-.4, -.2, -.2, 0, .1, .2, .6] -> times 3.
        Close([-1.2, -0.6, -0.6, 0, 0.3, 0.6, 1.8], actual);
    }

    [Fact]
    public void Three_bit_weights_round_to_the_2_bit_magnitudes()
    {
        using var scope = NewDisposeScope();
        using var q = Weight(3);

        Tensor actual = q.call(Vector(W));

        // d = [-.444, -.222, -.222, 0, .111, .222, .556]; magnitudes {0, 1/4, 1/2, 1} (midpoints 1/8, 3/8, 3/4)
        // -> [-1/2, -1/4, -1/4, 0, 0, 1/4, 1/2] -> times 3.
        Close([-1.5, -0.75, -0.75, 0, 0, 0.75, 1.5], actual);
    }

    [Fact]
    public void A_smaller_clip_clips_the_standardised_weight()
    {
        using var scope = NewDisposeScope();
        using var q = Weight(4);
        SetAlpha(q, 1);

        Tensor actual = q.call(Vector(W));

        // α = 1: d = clamp(ŵ, -1, 1) = [-1, -.667, -.667, 0, .333, .667, 1] -> [-1, -.6, -.6, 0, .3, .6, 1].
        Close([-1, -0.6, -0.6, 0, 0.3, 0.6, 1], actual);
    }

    [Theory]
    [InlineData(APoTGrid.PowerOfTwo)]
    [InlineData(APoTGrid.Uniform)]
    public void Two_bit_weights_are_ternary(APoTGrid grid)
    {
        using var scope = NewDisposeScope();
        using var q = Weight(2, grid);

        // α = 3: d = [-.444, -.222, -.222, 0, .111, .222, .556] -> {-1, 0, 1} at the midpoint .5 -> times 3.
        Close([0, 0, 0, 0, 0, 0, 3], q.call(Vector(W)));

        SetAlpha(q, 1);
        // α = 1: d = [-1, -.667, -.667, 0, .333, .667, 1] -> [-1, -1, -1, 0, 0, 1, 1].
        Tensor ternary = q.call(Vector(W));
        Close([-1, -1, -1, 0, 0, 1, 1], ternary);

        SetAlpha(q, 0.5);
        // α = .5: d = clamp(2ŵ) = [-1, -1, -1, 0, .667, 1, 1] -> times .5.
        Close([-0.5, -0.5, -0.5, 0, 0.5, 0.5, 0.5], q.call(Vector(W)));
    }

    [Fact]
    public void Standardisation_makes_the_result_independent_of_shift_and_positive_scale()
    {
        using var scope = NewDisposeScope();
        using var q = Weight(4);

        Tensor shifted = q.call(Vector(W).mul(10).add(100));

        // Same ŵ as W.
        Close([-1.2, -0.6, -0.6, 0, 0.3, 0.6, 1.8], shifted, 1e-12);
    }

    [Fact]
    public void A_constant_weight_standardises_to_zero()
    {
        using var scope = NewDisposeScope();
        using var q = Weight(4);

        // std 0 is replaced by 1, so ŵ = w - mean = 0.
        Close([0, 0, 0], q.call(Vector(2, 2, 2)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Per_channel_weights_standardise_and_clip_each_row_on_its_own(bool fourDimensional)
    {
        using var scope = NewDisposeScope();
        using var q = Weight(4, channels: 2);
        SetAlpha(q, 3, 1);
        // Row 1 is 10·reverse(W) + 100, so its ŵ is reverse(ŵ of W).
        double[] row1 = W.Reverse().Select(v => 10 * v + 100).ToArray();
        Tensor w = Matrix(fourDimensional ? [2, 1, 1, 7] : [2, 7], [.. W, .. row1]);

        Tensor actual = q.call(w);

        Assert.Equal(new long[] { 2 }, q.Alpha.shape);
        Assert.Equal(w.shape, actual.shape);
        // Row 0 with α = 3 (as the 4-bit case above); row 1 with α = 1: reverse of [-1, -.6, -.6, 0, .3, .6, 1].
        Close([-1.2, -0.6, -0.6, 0, 0.3, 0.6, 1.8, 1, 0.6, 0.3, 0, -0.6, -0.6, -1], actual, 1e-12);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Gradients: standardisation differentiated exactly, rounding straight-through.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>ŵ of each row (or of the whole tensor), by hand: (w − mean)/unbiased std.</summary>
    private static double[] Standardize(double[] w, int rows)
    {
        int n = w.Length / rows;
        var result = new double[w.Length];
        for (int r = 0; r < rows; r++)
        {
            double[] row = w.Skip(r * n).Take(n).ToArray();
            double mean = row.Average();
            double std = Math.Sqrt(row.Sum(v => (v - mean) * (v - mean)) / (n - 1));
            for (int i = 0; i < n; i++)
            {
                result[r * n + i] = (row[i] - mean) / std;
            }
        }

        return result;
    }

    [Theory]
    [InlineData(4, APoTGrid.PowerOfTwo, false, ClippedWeightGradient.PassAtTwoBits)]
    [InlineData(2, APoTGrid.PowerOfTwo, false, ClippedWeightGradient.Zero)]
    [InlineData(2, APoTGrid.PowerOfTwo, false, ClippedWeightGradient.PassAtTwoBits)]
    [InlineData(4, APoTGrid.PowerOfTwo, true, ClippedWeightGradient.PassAtTwoBits)]
    [InlineData(4, APoTGrid.PowerOfTwo, true, ClippedWeightGradient.Pass)]
    [InlineData(2, APoTGrid.Uniform, true, ClippedWeightGradient.PassAtTwoBits)]
    [InlineData(2, APoTGrid.Uniform, true, ClippedWeightGradient.Zero)]
    [InlineData(4, APoTGrid.Uniform, false, ClippedWeightGradient.PassAtTwoBits)]
    public void Weight_and_alpha_gradients_match_finite_differences_of_the_straight_through_surrogate(
        int bits, APoTGrid grid, bool perChannel, ClippedWeightGradient clipped)
    {
        using var scope = NewDisposeScope();
        const int rows = 3, columns = 6;
        double[] alpha = perChannel ? [1.2, 2.0, 0.9] : [1.2];
        using var q = Weight(bits, grid, perChannel ? rows : 1, clipped);
        bool passes = clipped == ClippedWeightGradient.Pass || (clipped == ClippedWeightGradient.PassAtTwoBits && bits <= 2);
        Assert.Equal(passes, q.PassesClippedGradient);
        SetAlpha(q, alpha);
        using var generator = new Generator(7);
        Tensor w = randn([rows, columns], dtype: float64, generator: generator).requires_grad_(true);
        Tensor g = randn([rows, columns], dtype: float64, generator: generator);

        Tensor y = q.call(w);
        (y * g).sum().backward();

        double[] ws = Values(w), gs = Values(g), ys = Values(y);
        int groups = perChannel ? rows : 1;
        double AlphaOf(double[] a, int i) => a[perChannel ? i / columns : 0];
        double[] hat = Standardize(ws, groups);
        // The clip the weight's gradient sees: the clamp's, or none where clipped gradients pass.
        double WeightClip(double v) => passes ? v : Math.Clamp(v, -1, 1);
        // Rounding offsets c = q - d at the base point, held fixed by the surrogates.
        double[] Offsets(Func<double, double> clip) => ys.Select((v, i) => v / AlphaOf(alpha, i) - clip(hat[i] / AlphaOf(alpha, i))).ToArray();
        double[] weightOffsets = Offsets(WeightClip), alphaOffsets = Offsets(v => Math.Clamp(v, -1, 1));
        // The surrogate: rounding replaced by the identity plus the fixed offset, S = Σ g·a·(clip(ŵ/a) + c).
        double S(double[] wv, double[] a, Func<double, double> clip, double[] offsets)
        {
            double[] h = Standardize(wv, groups);
            return h.Select((v, i) => gs[i] * AlphaOf(a, i) * (clip(v / AlphaOf(a, i)) + offsets[i])).Sum();
        }

        const double step = 1e-6;
        var numericW = new double[ws.Length];
        for (int i = 0; i < ws.Length; i++)
        {
            double[] plus = (double[])ws.Clone(), minus = (double[])ws.Clone();
            plus[i] += step;
            minus[i] -= step;
            numericW[i] = (S(plus, alpha, WeightClip, weightOffsets) - S(minus, alpha, WeightClip, weightOffsets)) / (2 * step);
        }

        var numericAlpha = new double[alpha.Length];
        for (int c = 0; c < alpha.Length; c++)
        {
            double[] plus = (double[])alpha.Clone(), minus = (double[])alpha.Clone();
            plus[c] += step;
            minus[c] -= step;
            numericAlpha[c] = (S(ws, plus, v => Math.Clamp(v, -1, 1), alphaOffsets) - S(ws, minus, v => Math.Clamp(v, -1, 1), alphaOffsets)) / (2 * step);
        }

        Close(numericW, w.grad!, 1e-6);
        Close(numericAlpha, q.Alpha.grad!, 1e-6);
        // Some weights are clipped and some are not, so both branches are exercised.
        Assert.Contains(hat.Select((v, i) => Math.Abs(v) > AlphaOf(alpha, i)), clipped => clipped);
        Assert.Contains(hat.Select((v, i) => Math.Abs(v) < AlphaOf(alpha, i)), inside => inside);
    }

    /// <summary>
    /// The gradient that reaches W from the first element alone (g = e₀), whose ŵ₀ = −4/3 lies beyond α = 1. The
    /// standardisation's Jacobian is ∂ŵᵢ/∂wⱼ = (δᵢⱼ − 1/n)/σ − ŵᵢŵⱼ/((n − 1)σ), with n = 7 and σ = 3; so a gradient u on ŵ
    /// reaches W as (1/σ)(uⱼ − mean u − ŵⱼ Σᵢ uᵢŵᵢ/(n − 1)). Passing, u = e₀: (1/3)(δ₀ⱼ − 1/7 + 2ŵⱼ/9). Masked, u = 0.
    /// α gets q₀ = −1 either way.
    /// </summary>
    [Theory]
    [InlineData(2, APoTGrid.PowerOfTwo, ClippedWeightGradient.PassAtTwoBits, true)]
    [InlineData(2, APoTGrid.Uniform, ClippedWeightGradient.PassAtTwoBits, true)]
    [InlineData(2, APoTGrid.PowerOfTwo, ClippedWeightGradient.Zero, false)]
    [InlineData(4, APoTGrid.PowerOfTwo, ClippedWeightGradient.PassAtTwoBits, false)]
    [InlineData(4, APoTGrid.PowerOfTwo, ClippedWeightGradient.Pass, true)]
    [InlineData(5, APoTGrid.Uniform, ClippedWeightGradient.Pass, true)]
    public void A_weight_beyond_the_clip_passes_its_gradient_at_two_bits_by_default(int bits, APoTGrid grid, ClippedWeightGradient clipped, bool passes)
    {
        using var scope = NewDisposeScope();
        using var q = Weight(bits, grid, clipped: clipped);
        SetAlpha(q, 1);
        Tensor w = Vector(W).requires_grad_(true);

        (q.call(w) * Vector(1, 0, 0, 0, 0, 0, 0)).sum().backward();

        double[] hat = [-4 / 3.0, -2 / 3.0, -2 / 3.0, 0, 1 / 3.0, 2 / 3.0, 5 / 3.0];
        double[] expected = passes ? hat.Select((h, j) => ((j == 0 ? 1 : 0) - 1 / 7.0 + 2 * h / 9) / 3).ToArray() : new double[7];
        Close(expected, w.grad!, 1e-12);
        Close([-1.0], q.Alpha.grad!, 1e-12);
    }
}
