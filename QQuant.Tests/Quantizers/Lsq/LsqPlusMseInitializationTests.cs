using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Configuration.ConfigurationTestSupport;
using static QQuant.Tests.Quantizers.Properties.PropertySupport;
using static QQuant.Tests.Quantizers.TensorAssert;
using static QQuant.Tests.Quantizers.Training.TrainingSupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Lsq;

/// <summary>
/// LSQ+'s MSE initialisation of an activation (<see cref="RangeInitialization.Mse"/>): the step (and offset) with the
/// least squared quantization error on the data, checked against a hand-computed minimum and an exhaustive search; the
/// default stays min/max; calibration and the first training batch agree; the option binds from a JSON policy.
/// </summary>
public class LsqPlusMseInitializationTests
{
    private static LsqPlusQuantizer Activation(
        int bits, ActivationSign sign, bool learnOffset, RangeInitialization initialization, bool float64Module = true)
    {
        var quantizer = new LsqPlusQuantizer(bits, TensorRole.Activation, sign, learnOffset: learnOffset, initialization: initialization);
        if (float64Module)
        {
            quantizer.to(float64);
        }

        return quantizer;
    }

    // Σ (x − q(x))² / n with q(x) = round(clamp((x − β)/s, Qn, Qp))·s + β, by a loop in float64 (round half to even, as torch).
    private static double Mse(double[] data, double step, double offset, int qn, int qp)
    {
        double total = 0;
        foreach (double x in data)
        {
            double q = Math.Round(Math.Clamp((x - offset) / step, qn, qp)) * step + offset;
            total += (x - q) * (x - q);
        }

        return total / data.Length;
    }


    [Fact]
    public void Without_an_offset_the_step_minimises_the_hand_computed_error()
    {
        // 2-bit unsigned (Qn = 0, Qp = 3), eight 1.0s and one 4.0. For 2/3 < s ≤ 4/3 the ones round to 1·s and 4 clips
        // to 3·s: MSE·9 = 8(s − 1)² + (4 − 3s)², whose derivative 16(s − 1) − 6(4 − 3s) = 34s − 40 vanishes at s = 20/17.
        // Min/max gives the covering step 4/3.
        using var scope = NewDisposeScope();
        double[] data = [1, 1, 1, 1, 1, 1, 1, 1, 4];
        using LsqPlusQuantizer mse = Activation(2, ActivationSign.Unsigned, learnOffset: false, RangeInitialization.Mse);
        using LsqPlusQuantizer minMax = Activation(2, ActivationSign.Unsigned, learnOffset: false, RangeInitialization.MinMax);

        mse.InitializeFrom(Vector(data));
        minMax.InitializeFrom(Vector(data));

        double step = Values(mse.Step)[0];
        Assert.True(Math.Abs(step / (20.0 / 17) - 1) < 0.005, $"step {step:R}, expected 20/17 = {20.0 / 17:R}");
        Close([4.0 / 3], minMax.Step, 1e-15);
        Assert.Null(mse.Offset);
        Assert.True(Mse(data, step, 0, 0, 3) < Mse(data, 4.0 / 3, 0, 0, 3));
    }

    [Fact]
    public void With_an_offset_the_grid_is_as_good_as_an_exhaustive_search_and_better_than_min_max()
    {
        using var scope = NewDisposeScope();
        double[] data = Skewed(shift: -0.2);
        const int qn = 0, qp = 7;
        using LsqPlusQuantizer q = Activation(3, ActivationSign.Unsigned, learnOffset: true, RangeInitialization.Mse);

        q.InitializeFrom(Vector(data));

        // Every grid [lo, hi] with both ends on 400 divisions of [min, max].
        double min = data.Min(), max = data.Max(), span = max - min;
        const int divisions = 400;
        double bruteForce = double.PositiveInfinity;
        for (int i = 0; i <= divisions; i++)
        {
            for (int j = i + 1; j <= divisions; j++)
            {
                double lo = min + span * i / divisions, hi = min + span * j / divisions, s = (hi - lo) / (qp - qn);
                bruteForce = Math.Min(bruteForce, Mse(data, s, lo - qn * s, qn, qp));
            }
        }

        double minMaxStep = span / (qp - qn);
        double minMax = Mse(data, minMaxStep, min - qn * minMaxStep, qn, qp);
        double found = Mse(data, Values(q.Step)[0], Values(q.Offset!)[0], qn, qp);
        Assert.True(found <= bruteForce * 1.01, $"MSE {found:R}, exhaustive search {bruteForce:R}");
        Assert.True(found < 0.75 * minMax, $"MSE {found:R}, min/max {minMax:R}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Never_worse_than_min_max_on_uniform_data(bool learnOffset)
    {
        // Evenly spread data is what min/max suits; the search may only match or beat it.
        using var scope = NewDisposeScope();
        double[] data = [.. Enumerable.Range(0, 64).Select(i => i / 8.0)];
        using LsqPlusQuantizer mse = Activation(3, ActivationSign.Unsigned, learnOffset, RangeInitialization.Mse);
        using LsqPlusQuantizer minMax = Activation(3, ActivationSign.Unsigned, learnOffset, RangeInitialization.MinMax);

        mse.InitializeFrom(Vector(data));
        minMax.InitializeFrom(Vector(data));

        double offset(LsqPlusQuantizer q) => q.Offset is null ? 0 : Values(q.Offset)[0];
        Assert.True(
            Mse(data, Values(mse.Step)[0], offset(mse), 0, 7) <= Mse(data, Values(minMax.Step)[0], offset(minMax), 0, 7));
    }

    [Theory]
    // Constant data keeps min/max's fallback: s = 1, and the offset represents the constant (β = 2.5 − Qn).
    [InlineData(true, 2.5, 1, 6.5)]
    // All zero without an offset: s = 1.
    [InlineData(false, 0, 1, 0)]
    public void Degenerate_data_falls_back_to_the_min_max_state(bool learnOffset, double value, double step, double offset)
    {
        using var scope = NewDisposeScope();
        using LsqPlusQuantizer q = Activation(3, ActivationSign.Signed, learnOffset, RangeInitialization.Mse);

        q.InitializeFrom(full(2, 3, value, dtype: float64));

        Close([step], q.Step, 0);
        if (learnOffset)
        {
            Close([offset], q.Offset!, 0);
        }
    }

    [Fact]
    public void The_constructor_defaults_to_min_max_with_exactly_the_range_formula_and_the_scheme_to_mse()
    {
        using var scope = NewDisposeScope();
        double[] data = Skewed(shift: -0.2);
        using var byDefault = new LsqPlusQuantizer(3, TensorRole.Activation, ActivationSign.Unsigned);
        using LsqPlusQuantizer minMax = Activation(3, ActivationSign.Unsigned, true, RangeInitialization.MinMax, float64Module: false);
        using LsqPlusQuantizer mse = Activation(3, ActivationSign.Unsigned, true, RangeInitialization.Mse, float64Module: false);
        Tensor x = Vector(data).to(float32);

        byDefault.InitializeFrom(x);
        minMax.InitializeFrom(x);
        mse.InitializeFrom(x);

        Assert.Equal(RangeInitialization.Mse, new LsqPlusOptions().ActivationInit);
        Assert.Equal(RangeInitialization.MinMax, byDefault.Initialization);
        // s = (max − min)/7 and β = min, computed in float64 from the float32 data, stored in float32.
        double min = Values(x).Min(), max = Values(x).Max();
        Identical(tensor(new[] { (max - min) / 7 }, float64).to(float32), byDefault.Step);
        Identical(tensor(new[] { min }, float64).to(float32), byDefault.Offset!);
        Identical(byDefault.Step, minMax.Step);
        Identical(byDefault.Offset!, minMax.Offset!);
        Assert.NotEqual(Values(byDefault.Step)[0], Values(mse.Step)[0]);
    }

    [Fact]
    public void Weights_keep_the_papers_formula()
    {
        Assert.Throws<ArgumentException>(() => new LsqPlusQuantizer(
            4, TensorRole.Weight, ActivationSign.Signed, learnOffset: false, initialization: RangeInitialization.Mse));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Calibration_and_the_first_training_batch_give_the_same_state(bool learnOffset)
    {
        // 2 × 3 × 120 × 100 = 72 000 values: more than the 65 536 sampled, so every second one is searched.
        using var scope = NewDisposeScope();
        Tensor batch = Normal(7, float32, 2, 3, 120, 100).exp();
        using LsqPlusQuantizer calibrated = Activation(4, ActivationSign.Auto, learnOffset, RangeInitialization.Mse, float64Module: false);
        using LsqPlusQuantizer trained = Activation(4, ActivationSign.Auto, learnOffset, RangeInitialization.Mse, float64Module: false);
        using LsqPlusQuantizer minMax = Activation(4, ActivationSign.Auto, learnOffset, RangeInitialization.MinMax, float64Module: false);

        QuantCalibration.Calibrate(calibrated, [batch]);
        trained.train();
        trained.call(batch);
        minMax.InitializeFrom(batch);

        Identical(calibrated.Step, trained.Step);
        if (learnOffset)
        {
            Identical(calibrated.Offset!, trained.Offset!);
        }

        // The long tail of exp(N(0, 1)) makes the searched step clearly smaller than min/max's.
        Assert.True(Values(trained.Step)[0] < 0.8 * Values(minMax.Step)[0]);
    }

    [Fact]
    public void Calibrating_on_several_batches_searches_the_same_sample_as_one_batch_of_them_all()
    {
        using var scope = NewDisposeScope();
        Tensor[] batches = [Normal(8, float32, 300, 200).exp(), Normal(9, float32, 100, 200).exp()];
        using LsqPlusQuantizer split = Activation(4, ActivationSign.Unsigned, true, RangeInitialization.Mse, float64Module: false);
        using LsqPlusQuantizer whole = Activation(4, ActivationSign.Unsigned, true, RangeInitialization.Mse, float64Module: false);

        QuantCalibration.Calibrate(split, batches);
        QuantCalibration.Calibrate(whole, [cat(batches)]);

        Identical(whole.Step, split.Step);
        Identical(whole.Offset!, split.Offset!);
    }

    private static string PolicyJson(string activationInit) =>
        $$"""
        { "quantTransformer": { "type": "QuantTransformer", "policy": { "Conv2d": { "type": "LSQPlusConv", "w": 4, "a": 4, "activationInit": "{{activationInit}}" } } } }
        """;

    [Fact]
    public void The_option_binds_from_a_json_policy_and_reaches_the_models_input_quantizer()
    {
        using var scope = NewDisposeScope();
        QuantPolicy bound = Bind(PolicyJson("mse"));

        Assert.Equal(
            QuantPolicy.For<Conv2d>().Use<LSQPlusConv, LsqPlusOptions>(4, 4, o => o.ActivationInit = RangeInitialization.Mse).Build(),
            bound);
        Assert.Equal(bound, Bind(PolicyJson("MSE")));
        Assert.Equal(QuantPolicy.For<Conv2d>().Use<LSQPlusConv>(4, 4).Build(), bound);
        Assert.Equal(
            QuantPolicy.For<Conv2d>().Use<LSQPlusConv, LsqPlusOptions>(4, 4, o => o.ActivationInit = RangeInitialization.MinMax).Build(),
            Bind(PolicyJson("minMax")));

        Sequential model = SmallModel(5);
        model.Quantize(bound);
        QuantizedLayer conv = LayerAt(model, "conv");
        var input = Assert.IsType<LsqPlusQuantizer>(conv.InputQuantizer);
        Assert.Equal(RangeInitialization.Mse, input.Initialization);
        Assert.Equal(RangeInitialization.MinMax, Assert.IsType<LsqPlusQuantizer>(conv.WeightQuantizer).Initialization);

        // Calibrating the model gives its first input quantizer the state a lone MSE quantizer takes from the images.
        Tensor images = Normal(11, float32, 4, 3, 6, 6).exp();
        QuantCalibration.Calibrate(model, [images]);
        using LsqPlusQuantizer alone = Activation(4, ActivationSign.Auto, true, RangeInitialization.Mse, float64Module: false);
        alone.InitializeFrom(images);
        Identical(alone.Step, input.Step);
        Identical(alone.Offset!, input.Offset!);
    }

    [Fact]
    public void A_wrong_value_fails_naming_the_key_and_the_valid_choices()
    {
        QuantConfigurationException e = BindFails(PolicyJson("median"));

        Assert.Equal(
            "quantTransformer:policy:Conv2d:activationInit: 'median' is not one of minMax, mse",
            Assert.Single(e.Problems));
    }
}
