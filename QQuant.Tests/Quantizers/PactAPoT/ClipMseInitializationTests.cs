using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Configuration.ConfigurationTestSupport;
using static QQuant.Tests.Quantizers.Properties.PropertySupport;
using static QQuant.Tests.Quantizers.TensorAssert;
using static QQuant.Tests.Quantizers.Training.TrainingSupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.PactAPoT;

/// <summary>
/// The MSE start of a learned clip (<see cref="ClipInitialization.Mse"/>, PACT, APoT and uniform inputs): the clip with
/// the least squared quantization error on the layer's own grid, checked against a hand-computed minimum and against an
/// exhaustive search in float64; the default stays the mean-and-spread statistic; the option binds from JSON.
/// </summary>
public class ClipMseInitializationTests
{
    // The unsigned uniform grid's error (every data set here is non-negative).
    private static double UniformError(double[] data, double alpha, int steps) => ClipErrors.Uniform(data, alpha, steps, signed: false);

    private static double Alpha(object quantizer) => quantizer switch
    {
        PactQuantizer p => Values(p.Alpha)[0],
        APoTQuantizer a => Values(a.Alpha)[0],
        _ => throw new ArgumentException(quantizer.GetType().Name),
    };

    [Fact]
    public void PACT_at_one_bit_finds_the_hand_computed_clip()
    {
        // One bit, unsigned: levels 0 and α. Six 1.0s and one 3.0. For α ≤ 2 every value rounds up to α:
        // E = 6(1 − α)² + (3 − α)², whose derivative −12(1 − α) − 2(3 − α) vanishes at α = 18/14 = 9/7 (E = 24/7).
        // For 2 < α ≤ 3 the ones round to 0: E ≥ 6. The maximum, α = 3, gives 6.
        using var scope = NewDisposeScope();
        double[] data = [1, 1, 1, 1, 1, 1, 3];
        using var mse = new PactQuantizer(1, ActivationSign.Unsigned, initialization: ClipInitialization.Mse);
        mse.to(float64);

        mse.InitializeFrom(Vector(data));

        double alpha = Alpha(mse);
        Assert.True(Math.Abs(alpha - 9.0 / 7) < 1e-6, $"alpha {alpha:R}, expected 9/7 = {9.0 / 7:R}");
        Assert.True(Math.Abs(UniformError(data, alpha, 1) - 24.0 / 7) < 1e-9);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void PACT_and_uniform_clips_are_as_good_as_an_exhaustive_search(int bits)
    {
        using var scope = NewDisposeScope();
        double[] data = Skewed();
        int steps = (1 << bits) - 1;
        using var pact = new PactQuantizer(bits, ActivationSign.Unsigned, initialization: ClipInitialization.Mse);
        using var uniform = new APoTQuantizer(bits, TensorRole.Activation, APoTGrid.Uniform, ActivationSign.Unsigned, initialization: ClipInitialization.Mse);
        pact.to(float64);
        uniform.to(float64);

        pact.InitializeFrom(Vector(data));
        uniform.InitializeFrom(Vector(data));

        double best = ClipErrors.ExhaustiveMinimum(a => UniformError(data, a, steps), data.Max());
        Assert.True(UniformError(data, Alpha(pact), steps) <= best * (1 + 1e-6), $"{bits} bits: {UniformError(data, Alpha(pact), steps):R} vs {best:R}");
        Assert.Equal(Alpha(pact), Alpha(uniform), 12);
    }

    [Fact]
    public void The_clip_grows_with_the_bit_width_and_at_eight_bits_keeps_more_than_the_spread_statistic()
    {
        // Rounding costs less at more bits, so clipping the tail stops paying: the searched clip rises towards the maximum.
        using var scope = NewDisposeScope();
        double[] data = Skewed();
        double[] clips = [.. new[] { 2, 4, 8 }.Select(bits =>
        {
            using var q = new PactQuantizer(bits, ActivationSign.Unsigned, initialization: ClipInitialization.Mse);
            q.to(float64);
            q.InitializeFrom(Vector(data));
            return Alpha(q);
        })];
        using var spread = new PactQuantizer(8, ActivationSign.Unsigned);
        spread.to(float64);
        spread.InitializeFrom(Vector(data));

        Assert.True(clips[0] < clips[1] && clips[1] < clips[2], string.Join(", ", clips));
        Assert.True(clips[2] > Alpha(spread), $"MSE {clips[2]:R}, mean + 3 std {Alpha(spread):R}");
        Assert.True(UniformError(data, clips[2], 255) < UniformError(data, Alpha(spread), 255));
    }

    [Fact]
    public void APoT_levels_clip_is_as_good_as_an_exhaustive_search_on_its_own_levels()
    {
        using var scope = NewDisposeScope();
        double[] data = Skewed();
        double[] levels = PowerOfTwoLevels.Of(4, additive: true);
        using var apot = new APoTQuantizer(4, TensorRole.Activation, APoTGrid.PowerOfTwo, ActivationSign.Unsigned, initialization: ClipInitialization.Mse);
        using var spread = new APoTQuantizer(4, TensorRole.Activation, APoTGrid.PowerOfTwo, ActivationSign.Unsigned);
        apot.to(float64);
        spread.to(float64);

        apot.InitializeFrom(Vector(data));
        spread.InitializeFrom(Vector(data));

        double found = ClipErrors.Levels(data, Alpha(apot), levels);
        double best = ClipErrors.ExhaustiveMinimum(a => ClipErrors.Levels(data, a, levels), data.Max());
        Assert.True(found <= best * (1 + 1e-6), $"{found:R} vs {best:R}");
        Assert.True(found < ClipErrors.Levels(data, Alpha(spread), levels));
    }

    [Fact]
    public void A_signed_grid_searches_both_sides()
    {
        // Mirrored data: the signed clip's error counts both halves, so at 4 bits (7 steps a side) it is the 3-bit
        // (7 steps) unsigned clip of the magnitudes.
        using var scope = NewDisposeScope();
        double[] magnitudes = Skewed();
        double[] data = [.. magnitudes, .. magnitudes.Select(x => -x)];
        using var signed = new PactQuantizer(4, ActivationSign.Signed, initialization: ClipInitialization.Mse);
        using var unsigned = new PactQuantizer(3, ActivationSign.Unsigned, initialization: ClipInitialization.Mse);
        signed.to(float64);
        unsigned.to(float64);

        signed.InitializeFrom(Vector(data));
        unsigned.InitializeFrom(Vector(magnitudes));

        Assert.True(signed.IsSigned);
        Assert.Equal(Alpha(unsigned), Alpha(signed), 6);
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(2.5, 2.5)]
    public void Degenerate_data_falls_back_to_its_maximum_or_one(double value, double alpha)
    {
        using var scope = NewDisposeScope();
        using var q = new PactQuantizer(4, ActivationSign.Unsigned, initialization: ClipInitialization.Mse);
        q.to(float64);

        q.InitializeFrom(full(2, 3, value, dtype: float64));

        Assert.Equal(alpha, Alpha(q));
    }

    [Fact]
    public void The_constructor_defaults_to_the_spread_statistic_the_scheme_to_mse_and_an_initial_clip_wins()
    {
        using var scope = NewDisposeScope();
        double[] data = Skewed();
        using var byDefault = new PactQuantizer(4, ActivationSign.Unsigned);
        using var given = new PactQuantizer(4, ActivationSign.Unsigned, initialClip: 2, initialization: ClipInitialization.Mse);
        byDefault.to(float64);
        given.to(float64);

        byDefault.InitializeFrom(Vector(data));

        Assert.Equal(ClipInitialization.Mse, new ClipOptions().ActivationInit);
        Assert.Equal(ClipInitialization.MeanStd, byDefault.Initialization);
        double mean = data.Average(), std = Math.Sqrt(data.Sum(x => (x - mean) * (x - mean)) / (data.Length - 1));
        Assert.Equal(Math.Min(data.Max(), mean + 3 * std), Alpha(byDefault), 9);
        Assert.Equal(2, Alpha(given));
    }

    private static string PolicyJson(string layer, string activationInit) => ConvRuleJson(layer, "activationInit", $"\"{activationInit}\"");

    [Theory]
    [InlineData("PACTConv")]
    [InlineData("UniformConv")]
    [InlineData("APoTConv")]
    public void The_option_binds_from_a_json_policy_and_reaches_the_models_input_quantizer(string layer)
    {
        using var scope = NewDisposeScope();
        Sequential model = SmallModel(5);

        model.Quantize(Bind(PolicyJson(layer, "mse")));

        IQuantizer input = LayerAt(model, "conv").InputQuantizer;
        Assert.Equal(ClipInitialization.Mse, input switch
        {
            PactQuantizer p => p.Initialization,
            APoTQuantizer a => a.Initialization,
            _ => throw new ArgumentException(input.GetType().Name),
        });
        Assert.Equal(Bind(PolicyJson(layer, "meanStd")), Bind(PolicyJson(layer, "MEANSTD")));
    }

    [Fact]
    public void A_wrong_value_fails_naming_the_key_and_the_valid_choices()
    {
        QuantConfigurationException e = BindFails(PolicyJson("PACTConv", "max"));

        Assert.Equal(
            "quantTransformer:policy:Conv2d:activationInit: 'max' is not one of meanStd, mse",
            Assert.Single(e.Problems));
    }
}
