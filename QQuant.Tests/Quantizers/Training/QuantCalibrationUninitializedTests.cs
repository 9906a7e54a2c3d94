using QQuant;
using QQuant.Quantizers;
using QQuant.Tests.Rewriting;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Quantizers.Training.TrainingSupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Training;

/// <summary>
/// QuantCalibration.Calibrate with uninitializedOnly (a checkpoint that lacks some quantizer state), a quantized
/// layer reachable under two names, and the 8-bit running maximum's refusal of non-finite training batches.
/// </summary>
public sealed class QuantCalibrationUninitializedTests
{
    // Linear(4, 6) -> ReLU -> Linear(6, 3), float64, seeded, LSQ 4/4; the quantized layers sit at "0" and "2".
    private static Sequential LsqModel()
    {
        Sequential model = nn.Sequential(nn.Linear(4, 6, dtype: float64), nn.ReLU(), nn.Linear(6, 3, dtype: float64));
        Reinitialize(model, 1);
        model.Quantize(QuantPolicy.For<Linear>().Use<LSQLinear>(4, 4));
        return model;
    }

    private static Tensor[] Batches() => [Normal(11, float64, 5, 4) * 1.5, Normal(12, float64, 7, 4) * 0.5 + 0.3];

    private static LsqQuantizer Quantizer(nn.Module model, string path) =>
        Assert.IsType<LsqQuantizer>(model.named_modules().Single(m => m.name == path).module);

    private static long[] Bits(LsqQuantizer q) => [.. q.Step.detach().to(float64).cpu().data<double>().ToArray().Select(BitConverter.DoubleToInt64Bits)];

    [Fact]
    public void Only_the_quantizer_missing_from_the_state_dict_is_initialised()
    {
        using var scope = NewDisposeScope();
        Sequential trained = LsqModel();
        QuantCalibration.Calibrate(trained, Batches());
        Dictionary<string, Tensor> state = trained.state_dict()
            .Where(p => !p.Key.StartsWith("2.input_quantizer.", StringComparison.Ordinal))
            .ToDictionary(p => p.Key, p => p.Value);
        Assert.Contains("2.input_quantizer.step", trained.state_dict().Keys);

        Sequential loaded = LsqModel();
        loaded.load_state_dict(state, strict: false);
        string[] kept = ["0.weight_quantizer", "0.input_quantizer", "2.weight_quantizer"];
        Dictionary<string, long[]> before = kept.ToDictionary(p => p, p => Bits(Quantizer(loaded, p)));
        Assert.All(kept, p => Assert.True(Quantizer(loaded, p).IsInitialized, p));
        Assert.False(Quantizer(loaded, "2.input_quantizer").IsInitialized);
        long[] uninitialisedStep = Bits(Quantizer(loaded, "2.input_quantizer"));

        // Other batches than the ones the state came from: recalibrating everything would move every step.
        Tensor[] other = [Normal(21, float64, 9, 4) * 3 + 1];
        CalibrationSummary summary = QuantCalibration.Calibrate(loaded, other, uninitializedOnly: true);

        Assert.Equal(1, summary.Quantizers);
        Assert.All(kept, p => Assert.Equal(before[p], Bits(Quantizer(loaded, p))));
        Assert.True(Quantizer(loaded, "2.input_quantizer").IsInitialized);
        Assert.NotEqual(uninitialisedStep, Bits(Quantizer(loaded, "2.input_quantizer")));
        Assert.True(Quantizer(loaded, "2.input_quantizer").Step.to(float64).item<double>() > 0);
        loaded.eval();
        Assert.Equal([9L, 3L], loaded.call(other[0]).shape);
    }

    [Fact]
    public void With_every_quantizer_initialised_there_is_nothing_to_calibrate()
    {
        using var scope = NewDisposeScope();
        Sequential model = LsqModel();
        QuantCalibration.Calibrate(model, Batches());
        long[] step = Bits(Quantizer(model, "0.input_quantizer"));

        var error = Assert.Throws<QuantCalibrationException>(() => QuantCalibration.Calibrate(model, Batches(), uninitializedOnly: true));

        Assert.Contains("initialised already", error.Message, StringComparison.Ordinal);
        Assert.Equal(step, Bits(Quantizer(model, "0.input_quantizer")));
    }

    public static TheoryData<string> SharedMethods() => ["EightBitConv", "LSQConv"];

    [Theory]
    [MemberData(nameof(SharedMethods))]
    public void A_layer_under_two_names_calibrates_once(string method)
    {
        using var scope = NewDisposeScope();
        var model = new SharedNet();
        model.Quantize(method == "LSQConv"
            ? QuantPolicy.For<Conv2d>().Use<LSQConv>(4, 4)
            : QuantPolicy.For<Conv2d>().Use<EightBitConv>(8, 8));
        var layer = Assert.IsAssignableFrom<QuantizedLayer>(model.named_modules().Single(m => m.name == "a").module);
        Assert.Same(layer, model.named_modules().Single(m => m.name == "b").module);

        CalibrationSummary summary = QuantCalibration.Calibrate(model, [Normal(3, float32, 2, 2, 5, 5), Normal(4, float32, 3, 2, 5, 5)]);

        // Each quantizer once, though the layer is listed under "a" and under "b" (the 8-bit weight has no calibrated state).
        Assert.Equal(method == "LSQConv" ? 2 : 1, summary.Quantizers);
        Assert.Equal(new[] { layer.WeightQuantizer, layer.InputQuantizer }.OfType<CalibratedQuantizer>().Count(), summary.Quantizers);
        Assert.True(Assert.IsAssignableFrom<CalibratedQuantizer>(layer.InputQuantizer).IsInitialized);
        model.eval();
        Tensor output = model.call(Normal(5, float32, 1, 2, 5, 5));
        Assert.True(output.isfinite().all().item<bool>());
    }

    [Fact]
    public void An_infinite_training_batch_is_refused_and_the_running_maximum_kept()
    {
        using var scope = NewDisposeScope();
        Sequential model = nn.Sequential(nn.Linear(4, 3));
        model.Quantize(QuantPolicy.For<Linear>().Use<EightBitLinear>(8, 8));
        var layer = Assert.IsType<QuantizedLinear>(model.children().Single());
        var quantizer = Assert.IsType<RunningMaxAbsQuantizer>(layer.InputQuantizer);
        model.train();
        model.call(Normal(1, float32, 6, 4)).Dispose();
        model.call(Normal(2, float32, 6, 4) * 2).Dispose();
        Assert.True(quantizer.IsInitialized);
        float kept = quantizer.RunningMax.item<float>();

        Tensor bad = Normal(3, float32, 6, 4);
        bad[2, 1] = tensor(float.PositiveInfinity);
        var error = Assert.Throws<QuantizerStateException>(() => model.call(bad));

        Assert.Equal("0.input_quantizer", error.Location);
        Assert.Contains("'0.input_quantizer'", error.Message, StringComparison.Ordinal);
        Assert.Contains("infinite", error.Message, StringComparison.Ordinal);
        Assert.Equal(BitConverter.SingleToInt32Bits(kept), BitConverter.SingleToInt32Bits(quantizer.RunningMax.item<float>()));
        model.call(Normal(4, float32, 6, 4)).Dispose();
        Assert.NotEqual(kept, quantizer.RunningMax.item<float>());
    }
}
