using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Analysis;

/// <summary>A small seeded conv net, seeded images, and the net's LSQ twin, shared by the analysis tests.</summary>
internal static class AnalysisTestModels
{
    /// <summary>Conv2d(1, 4, 3) → ReLU → Flatten → Linear(144, 3) with weights 0.3·N(0, 1); module names 0, 1, 2, 3.</summary>
    public static Sequential Net(ulong seed)
    {
        Sequential model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(144, 3));
        using var generator = new Generator(seed);
        using var noGrad = no_grad();
        foreach (Parameter p in model.parameters())
        {
            using Tensor values = randn(p.shape, generator: generator) * 0.3;
            p.copy_(values);
        }

        return model;
    }

    /// <summary><paramref name="count"/> standard normal 1×8×8 images.</summary>
    public static Tensor Images(ulong seed, long count = 6)
    {
        using var generator = new Generator(seed);
        return randn(new long[] { count, 1, 8, 8 }, generator: generator);
    }

    /// <summary><see cref="Net"/> and its twin with the same weights, LSQ at <paramref name="bits"/> everywhere, calibrated on <paramref name="calibration"/>.</summary>
    public static (Sequential Float, Sequential Quantized) Pair(ulong seed, Tensor calibration, int bits = 4)
    {
        Sequential quantized = Net(seed);
        quantized.Quantize(QuantPolicy.For<Conv2d>().Use<LSQConv>(w: bits, a: bits).For<Linear>().Use<LSQLinear>(w: bits, a: bits));
        QuantCalibration.Calibrate(quantized, [calibration]);
        return (Net(seed), quantized);
    }
}
