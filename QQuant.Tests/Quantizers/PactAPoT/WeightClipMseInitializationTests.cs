using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Configuration.ConfigurationTestSupport;
using static QQuant.Tests.Quantizers.Properties.PropertySupport;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.PactAPoT;

/// <summary>
/// The MSE start of APoT's and uniform's weight clip (<see cref="WeightClipInitialization.Mse"/>): the α with the least
/// squared error between the standardised weight and its quantized values, per channel where the clips are, checked
/// against a hand-computed minimum and an exhaustive search in float64; the paper's α = 3 stays the constructor's
/// default; the scheme's default is the search; the option binds from JSON.
/// </summary>
public class WeightClipMseInitializationTests
{
    // A weight's standardised values, (w − mean) / unbiased std, in float64.
    private static double[] Standardized(double[] w)
    {
        double mean = w.Average(), std = Math.Sqrt(w.Sum(x => (x - mean) * (x - mean)) / (w.Length - 1));
        return [.. w.Select(x => (x - mean) / std)];
    }

    // The signed uniform grid's error of a standardised weight.
    private static double UniformError(double[] t, double alpha, int steps) => ClipErrors.Uniform(t, alpha, steps, signed: true);

    // A trained conv weight's shape: 390 normal draws (Box–Muller, seeded) and 10 outliers of 3.5σ to 5.75σ of both
    // signs, shuffled, at σ = 0.05 around 0.01.
    private static double[] HeavyTailed(int seed)
    {
        var random = new Random(seed);
        double[] bulk = [.. Enumerable.Range(0, 390).Select(_ =>
            Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))];
        double[] tail = [.. Enumerable.Range(0, 10).Select(j => (j % 2 == 0 ? 1 : -1) * (3.5 + 0.25 * j))];
        return [.. bulk.Concat(tail).OrderBy(_ => random.Next()).Select(x => 0.05 * x + 0.01)];
    }

    private static APoTQuantizer Weight(int bits, APoTGrid grid, long channels = 1,
        WeightClipInitialization initialization = WeightClipInitialization.Mse)
    {
        var q = new APoTQuantizer(bits, TensorRole.Weight, grid, ActivationSign.Signed, channels, weightInitialization: initialization);
        q.to(float64);
        return q;
    }

    [Fact]
    public void Two_bit_uniform_finds_the_hand_computed_clip()
    {
        // w = [−2, −1, −1, −1, 1, 1, 1, 2]: mean 0, unbiased variance 14/7 = 2, so t = w/√2 = ±a (three each side)
        // and ±2a (one each side), a = 1/√2. Two bits signed: levels −α, 0, α. For α ≤ 2a every ±a rounds to ±α and
        // ±2a clips to ±α: E = 2[3(a − α)² + (2a − α)²], least at α = 10a/8 = 5a/4 (E = 1.5a² = 0.75). For α > 2a the
        // ±a round to 0: E ≥ 6a². So α = 5/(4√2), not the largest weight 2a = √2 and not the paper's 3.
        using var scope = NewDisposeScope();
        using APoTQuantizer q = Weight(2, APoTGrid.Uniform);

        q.InitializeFrom(Matrix([1, 8], -2, -1, -1, -1, 1, 1, 1, 2));

        double alpha = Values(q.Alpha)[0];
        Assert.True(Math.Abs(alpha - 5 / (4 * Math.Sqrt(2))) < 1e-9, $"alpha {alpha:R}, expected 5/(4√2) = {5 / (4 * Math.Sqrt(2)):R}");
        Assert.Equal(0.75, UniformError(Standardized([-2, -1, -1, -1, 1, 1, 1, 2]), alpha, 1), 9);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void Uniform_clips_are_as_good_as_an_exhaustive_search_and_at_eight_bits_keep_the_outliers(int bits)
    {
        using var scope = NewDisposeScope();
        double[] w = HeavyTailed(1);
        double[] t = Standardized(w);
        int steps = (1 << (bits - 1)) - 1;
        using APoTQuantizer mse = Weight(bits, APoTGrid.Uniform);
        using APoTQuantizer paper = Weight(bits, APoTGrid.Uniform, initialization: WeightClipInitialization.ThreeSigma);

        mse.InitializeFrom(Matrix([4, 100], w));

        double alpha = Values(mse.Alpha)[0];
        double best = ClipErrors.ExhaustiveMinimum(a => UniformError(t, a, steps), t.Max(Math.Abs));
        Assert.True(UniformError(t, alpha, steps) <= best * (1 + 1e-6), $"{bits} bits: {UniformError(t, alpha, steps):R} vs {best:R}");
        Assert.True(UniformError(t, alpha, steps) < UniformError(t, APoTQuantizer.WeightClip, steps));
        Assert.Equal(APoTQuantizer.WeightClip, Values(paper.Alpha)[0]);
        if (bits == 8)
        {
            Assert.True(alpha > APoTQuantizer.WeightClip, $"8 bits: alpha {alpha:R} clips weights the paper's 3 keeps");
        }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void APoT_levels_clip_is_as_good_as_an_exhaustive_search_on_its_own_levels(int bits)
    {
        using var scope = NewDisposeScope();
        double[] w = HeavyTailed(2);
        double[] t = Standardized(w);
        double[] levels = PowerOfTwoLevels.Of(bits - 1, additive: true);
        using APoTQuantizer mse = Weight(bits, APoTGrid.PowerOfTwo);

        mse.InitializeFrom(Matrix([400], w));

        double found = ClipErrors.Levels(t, Values(mse.Alpha)[0], levels);
        double best = ClipErrors.ExhaustiveMinimum(a => ClipErrors.Levels(t, a, levels), t.Max(Math.Abs));
        Assert.True(found <= best * (1 + 1e-6), $"{found:R} vs {best:R}");
        Assert.True(found < ClipErrors.Levels(t, APoTQuantizer.WeightClip, levels));
    }

    [Fact]
    public void Per_channel_each_clip_is_its_own_channels_search_and_a_flat_channel_keeps_three()
    {
        using var scope = NewDisposeScope();
        double[] first = HeavyTailed(3), second = [.. first.Select(x => 7 * x - 2)];
        using APoTQuantizer perChannel = Weight(4, APoTGrid.Uniform, channels: 3);
        using APoTQuantizer alone = Weight(4, APoTGrid.Uniform);
        using APoTQuantizer scaled = Weight(4, APoTGrid.Uniform);

        perChannel.InitializeFrom(Matrix([3, 4, 100], [.. first, .. second, .. Enumerable.Repeat(0.5, 400)]));
        alone.InitializeFrom(Matrix([400], first));
        scaled.InitializeFrom(Matrix([400], second));

        double[] alphas = Values(perChannel.Alpha);
        Assert.Equal(Values(alone.Alpha)[0], alphas[0], 9);
        Assert.Equal(Values(scaled.Alpha)[0], alphas[1], 9);
        Assert.Equal(APoTQuantizer.WeightClip, alphas[2]);

        // An affine map of a weight leaves its standardised values, so its clip, as they were.
        Assert.Equal(alphas[0], alphas[1], 6);
    }

    [Fact]
    public void The_constructor_keeps_the_papers_three_the_scheme_searches_and_a_searched_weight_needs_data()
    {
        using var scope = NewDisposeScope();
        using var paper = new APoTQuantizer(4, TensorRole.Weight, APoTGrid.PowerOfTwo, ActivationSign.Signed);
        using APoTQuantizer mse = Weight(4, APoTGrid.PowerOfTwo);
        using Tensor w = Matrix([400], HeavyTailed(5));
        paper.eval();
        mse.eval();

        Assert.Equal(WeightClipInitialization.ThreeSigma, paper.WeightInitialization);
        Assert.Equal(WeightClipInitialization.Mse, new UniformOptions().WeightInit);
        Assert.True(paper.IsInitialized);
        Assert.False(mse.IsInitialized);
        Assert.Throws<QuantizerStateException>(() => mse.forward(w));

        // Re-initialising the paper's clip from data leaves a learned α as it is.
        using (no_grad())
        {
            paper.Alpha.fill_(1.25);
        }

        paper.InitializeFrom(w.to(float32));
        Assert.Equal(1.25, Values(paper.Alpha)[0]);
    }

    private static string PolicyJson(string layer, string weightInit) => ConvRuleJson(layer, "weightInit", $"\"{weightInit}\"");

    [Theory]
    [InlineData("UniformConv")]
    [InlineData("APoTConv")]
    public void The_option_binds_from_json_and_calibration_searches_the_layers_weight(string layer)
    {
        using var scope = NewDisposeScope();
        Sequential searched = SmallModel(5), paper = SmallModel(5);
        searched.Quantize(Bind(PolicyJson(layer, "mse")));
        paper.Quantize(Bind(PolicyJson(layer, "threeSigma")));
        QuantizedLayer conv = LayerAt(searched, "conv");
        var weightQuantizer = Assert.IsType<APoTQuantizer>(conv.WeightQuantizer);
        using var reference = new APoTQuantizer(4, TensorRole.Weight, weightQuantizer.Grid, ActivationSign.Signed,
            channels: weightQuantizer.Alpha.shape[0], weightInitialization: WeightClipInitialization.Mse);

        QuantCalibration.Calibrate(searched, [Images(6)]);
        reference.InitializeFrom(conv.weight!.detach());

        Assert.Equal(WeightClipInitialization.ThreeSigma, Assert.IsType<APoTQuantizer>(LayerAt(paper, "conv").WeightQuantizer).WeightInitialization);
        Assert.Equal(Values(reference.Alpha), Values(weightQuantizer.Alpha));
        Assert.NotEqual(APoTQuantizer.WeightClip, Values(weightQuantizer.Alpha)[0]);
    }

    [Fact]
    public void A_wrong_value_fails_naming_the_key_and_the_valid_choices()
    {
        QuantConfigurationException e = BindFails(PolicyJson("UniformConv", "max"));

        Assert.Equal(
            "quantTransformer:policy:Conv2d:weightInit: 'max' is not one of threeSigma, mse",
            Assert.Single(e.Problems));
    }
}
