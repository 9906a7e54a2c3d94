using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Quantizers.Training.TrainingSupport;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Training;

/// <summary>Quantized models of every method moved to float64, bfloat16 and (when present) a CUDA device.</summary>
public sealed class DeviceAndDtypeTests
{
    public static TheoryData<string> AllMethods() => [.. Methods];

    // Conv2d(2, 4, 3) -> ReLU -> Flatten -> Linear(4·4·4, 3), built in float32 and seeded.
    private static Sequential Model(string method, ulong seed = 31)
    {
        Sequential model = nn.Sequential(nn.Conv2d(2, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(64, 3));
        Reinitialize(model, seed);
        model.Quantize(PolicyFor(method));
        return model;
    }

    private static Tensor Images(ulong seed, ScalarType dtype, Device? device = null)
    {
        Tensor x = Normal(seed, ScalarType.Float32, 5, 2, 6, 6);
        return x.to(dtype, device ?? CPU);
    }

    [Theory]
    [MemberData(nameof(AllMethods))]
    public void A_quantized_model_calibrates_trains_and_evaluates_in_float64(string method)
    {
        using var scope = NewDisposeScope();
        Sequential model = Model(method);

        model.to(float64);
        QuantCalibration.Calibrate(model, [Images(32, float64), Images(33, float64)]);
        model.train();
        Tensor logits = model.call(Images(34, float64));
        nn.functional.cross_entropy(logits, tensor(new long[] { 0, 1, 2, 0, 1 })).backward();

        Assert.Equal(float64, logits.dtype);
        Finite(logits);
        Assert.All(model.parameters(), p => Assert.Equal(float64, p.dtype));
        Assert.All(model.modules().OfType<QuantizedLayer>(), l =>
        {
            Assert.NotNull(l.weight.grad);
            Assert.Equal(float64, l.weight.grad!.dtype);
            Finite(l.weight.grad!);
        });
        Assert.All(QuantizerParameters(model), p =>
        {
            Assert.True(p.Parameter.grad is not null, $"{p.Name} got no gradient");
            Assert.Equal(float64, p.Parameter.grad!.dtype);
            Finite(p.Parameter.grad!);
        });
        model.eval();
        using (no_grad())
        {
            Tensor y = model.call(Images(35, float64));
            Assert.Equal(float64, y.dtype);
            Finite(y);
            // The kept weight of the eval forward is in float64 too: a second forward agrees exactly.
            Identical(y, model.call(Images(35, float64)));
        }
    }

    [Fact]
    public void Calibrated_state_survives_a_move_to_float64_and_gives_the_same_output()
    {
        using var scope = NewDisposeScope();
        Sequential model = Model("LSQ");
        QuantCalibration.Calibrate(model, [Images(36, ScalarType.Float32)]);
        model.eval();
        double[] steps = QuantizerParameters(model).SelectMany(p => Values(p.Parameter)).ToArray();
        Tensor x = Images(37, ScalarType.Float32);
        Tensor y32;
        using (no_grad())
        {
            y32 = model.call(x);
        }

        model.to(float64);

        Assert.Equal(steps, QuantizerParameters(model).SelectMany(p => Values(p.Parameter)).ToArray());
        Assert.All(QuantizersOf(model), q => Assert.True(q.IsInitialized));
        using (no_grad())
        {
            // Same state, same grid: float64 differs from float32 only by float32 rounding (no level flips expected
            // at this size; 1e-4 leaves room for the accumulated rounding of the convolution).
            Close(y32, model.call(x.to(float64)), 1e-4);
        }
    }

    [Theory]
    [InlineData("LSQ")]
    [InlineData("PACT")]
    [InlineData("LSQPlus")]
    [InlineData("APoT")]
    public void A_quantized_model_runs_forward_and_backward_in_bfloat16(string method)
    {
        using var scope = NewDisposeScope();
        Sequential model = Model(method);
        model.to(bfloat16);
        Tensor[] batches = [Images(38, bfloat16), Images(39, bfloat16)];

        try
        {
            QuantCalibration.Calibrate(model, batches);
            model.train();
            model.call(Images(40, bfloat16)).sum().backward();
        }
        catch (Exception e) when (e is NotSupportedException or System.Runtime.InteropServices.ExternalException
                                      && e.Message.Contains("BFloat16", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Skip($"TorchSharp's CPU backend lacks a bfloat16 operation: {e.Message}");
        }

        Assert.All(model.parameters(), p => Assert.Equal(bfloat16, p.dtype));
        Assert.All(QuantizerParameters(model), p =>
        {
            Assert.True(p.Parameter.grad is not null, $"{p.Name} got no gradient");
            Finite(p.Parameter.grad!);
        });
        model.eval();
        using (no_grad())
        {
            Tensor y = model.call(Images(41, bfloat16));
            Assert.Equal(bfloat16, y.dtype);
            Finite(y);
        }
    }

    [Theory]
    [MemberData(nameof(AllMethods))]
    public void A_quantized_model_calibrates_trains_and_evaluates_on_the_gpu(string method)
    {
        Assert.SkipUnless(cuda.is_available(), "CUDA is not available");
        using var scope = NewDisposeScope();
        Sequential model = Model(method);
        Sequential reference = Model(method);
        model.to(CUDA);
        Tensor[] batches = [Images(42, ScalarType.Float32), Images(43, ScalarType.Float32)];

        QuantCalibration.Calibrate(model, batches.Select(b => b.to(CUDA)));
        QuantCalibration.Calibrate(reference, batches);
        model.train();
        model.call(Images(44, ScalarType.Float32, CUDA)).sum().backward();

        Assert.All(model.parameters(), p => Assert.Equal(DeviceType.CUDA, p.device_type));
        Assert.All(model.buffers(), b => Assert.Equal(DeviceType.CUDA, b.device_type));
        Assert.All(QuantizerParameters(model), p => Assert.True(p.Parameter.grad is not null, $"{p.Name} got no gradient"));
        // The same calibration on the CPU gives the same state (up to float32 reduction order).
        foreach (var ((name, gpu), (_, cpu)) in QuantizerParameters(model).Zip(QuantizerParameters(reference)))
        {
            Assert.True((gpu.cpu() - cpu).abs().max().ToDouble() <= 1e-4 * (1 + cpu.abs().max().ToDouble()), name);
        }

        model.eval();
        reference.eval();
        using (no_grad())
        {
            Tensor y = model.call(Images(45, ScalarType.Float32, CUDA));
            Assert.Equal(DeviceType.CUDA, y.device_type);
            Finite(y);
            Assert.Equal(new long[] { 5, 3 }, y.shape);
        }
    }
}
