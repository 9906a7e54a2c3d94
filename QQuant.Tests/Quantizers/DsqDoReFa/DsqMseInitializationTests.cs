using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Configuration.ConfigurationTestSupport;
using static QQuant.Tests.Quantizers.Properties.PropertySupport;
using static QQuant.Tests.Quantizers.TensorAssert;
using static QQuant.Tests.Quantizers.Training.TrainingSupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.DsqDoReFa;

/// <summary>
/// DSQ's MSE start (<see cref="RangeInitialization.Mse"/>): the bounds whose hard grid has the least squared error,
/// against an exhaustive search in float64; min/max stays the constructor's default; the scheme's options default to
/// MSE for inputs and weights and bind from JSON.
/// </summary>
public class DsqMseInitializationTests
{
    // Σ (x − q(x))² of DSQ's hard forward: levels l + kΔ, Δ = (u − l)/L, each value to its nearest level (ties up).
    private static double HardError(double[] data, double lower, double upper, int intervals)
    {
        double delta = (upper - lower) / intervals;
        return data.Sum(x =>
        {
            double k = Math.Clamp(Math.Floor((Math.Clamp(x, lower, upper) - lower) / delta + 0.5), 0, intervals);
            double q = lower + k * delta;
            return (x - q) * (x - q);
        });
    }


    private static DsqQuantizer Make(int bits, ActivationSign sign, RangeInitialization initialization)
    {
        var q = new DsqQuantizer(bits, sign, initialization: initialization);
        q.to(float64);
        return q;
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void The_bounds_are_as_good_as_an_exhaustive_search_and_better_than_min_max(int bits)
    {
        using var scope = NewDisposeScope();
        double[] data = Skewed();
        int intervals = (1 << bits) - 1;
        using DsqQuantizer mse = Make(bits, ActivationSign.Unsigned, RangeInitialization.Mse);
        using DsqQuantizer minMax = Make(bits, ActivationSign.Unsigned, RangeInitialization.MinMax);

        mse.InitializeFrom(Vector(data));
        minMax.InitializeFrom(Vector(data));

        double max = data.Max(), best = double.PositiveInfinity;
        for (int i = 0; i < 100; i++)
        {
            for (int j = i + 1; j <= 400; j++)
            {
                best = Math.Min(best, HardError(data, max * i / 400, max * j / 400, intervals));
            }
        }

        double found = HardError(data, Values(mse.Lower)[0], Values(mse.Upper)[0], intervals);
        Assert.True(found <= best * 1.001, $"{bits} bits: searched {found:R}, exhaustive {best:R}");
        Assert.True(found < 0.75 * HardError(data, Values(minMax.Lower)[0], Values(minMax.Upper)[0], intervals));
        Assert.True(Values(mse.Lower)[0] >= 0, "an unsigned grid keeps its lower bound at 0 or above");
        Close([data.Min()], minMax.Lower, 1e-12);
        Close([data.Max()], minMax.Upper, 1e-12);
    }

    [Fact]
    public void A_signed_weight_grid_is_searched_on_both_sides()
    {
        using var scope = NewDisposeScope();
        double[] magnitudes = Skewed();
        double[] data = [.. magnitudes, .. magnitudes.Select(x => -x)];
        using DsqQuantizer mse = Make(2, ActivationSign.Signed, RangeInitialization.Mse);

        mse.InitializeFrom(Vector(data));

        double lower = Values(mse.Lower)[0], upper = Values(mse.Upper)[0];
        Assert.True(lower < 0 && upper > 0, $"[{lower}, {upper}]");
        Assert.True(upper < data.Max() && lower > data.Min(), "the tails are clipped");
        Assert.True(HardError(data, lower, upper, 3) < HardError(data, data.Min(), data.Max(), 3));
    }

    private static string PolicyJson(string options) =>
        $$"""
        { "quantTransformer": { "type": "QuantTransformer", "policy": { "Conv2d": { "type": "DSQConv", "w": 2, "a": 2{{options}} } } } }
        """;

    [Fact]
    public void The_scheme_defaults_to_mse_for_inputs_and_weights_and_binds_min_max_from_json()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(RangeInitialization.Mse, new DsqOptions().ActivationInit);
        Assert.Equal(RangeInitialization.Mse, new DsqOptions().WeightInit);
        Assert.Equal(RangeInitialization.MinMax, new DsqQuantizer(2, ActivationSign.Unsigned).Initialization);

        Sequential model = SmallModel(5);
        model.Quantize(Bind(PolicyJson(", \"activationInit\": \"minMax\"")));
        QuantizedLayer conv = LayerAt(model, "conv");
        Assert.Equal(RangeInitialization.MinMax, Assert.IsType<DsqQuantizer>(conv.InputQuantizer).Initialization);
        Assert.Equal(RangeInitialization.Mse, Assert.IsType<DsqQuantizer>(conv.WeightQuantizer).Initialization);
        Assert.Equal(
            QuantPolicy.For<Conv2d>().Use<DSQConv, DsqOptions>(2, 2, o => o.WeightInit = RangeInitialization.MinMax).Build(),
            Bind(PolicyJson(", \"weightInit\": \"minMax\"")));
    }
}
