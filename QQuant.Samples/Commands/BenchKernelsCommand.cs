using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Samples.Commands;

/// <summary>
/// <c>qquant bench kernels [--json f]</c>: forward+backward time of every quantizer on a 64x64x56x56 activation and a
/// 256x256x3x3 weight, through its fused kernel (where it has one) and through the composed TorchSharp ops, next to
/// the memory-bound floor <c>y = x · 1.0</c>; medians of timed runs in one process, each alternating with runs of the
/// floor, and the ratio of the two medians.
/// </summary>
internal static class BenchKernelsCommand
{
    private static readonly long[] ActivationShape = [64, 64, 56, 56];
    private static readonly long[] WeightShape = [256, 256, 3, 3];

    /// <summary>Each method as the quantized conv that carries it; the weight and input quantizers are taken from it.</summary>
    private static readonly (string Name, Func<QuantPolicy> Policy, bool Activation)[] Methods =
    [
        ("LSQ", () => QuantPolicy.For<Conv2d>().Use<LSQConv>(w: 4, a: 4).Build(), true),
        ("LSQ per-channel", () => QuantPolicy.For<Conv2d>().Use<LSQConv>(w: 4, a: 4, o => o.PerChannelWeights = true).Build(), false),
        ("LSQ+", () => QuantPolicy.For<Conv2d>().Use<LSQPlusConv>(w: 4, a: 4).Build(), true),
        ("DSQ", () => QuantPolicy.For<Conv2d>().Use<DSQConv>(w: 4, a: 4).Build(), true),
        ("DoReFa", () => QuantPolicy.For<Conv2d>().Use<DoReFaConv>(w: 4, a: 4).Build(), true),
        ("PACT", () => QuantPolicy.For<Conv2d>().Use<PACTConv>(w: 4, a: 4).Build(), true),
        ("APoT", () => QuantPolicy.For<Conv2d>().Use<APoTConv>(w: 4, a: 4).Build(), true),
        ("uniform", () => QuantPolicy.For<Conv2d>().Use<UniformConv>(w: 4, a: 4).Build(), true),
        ("8-bit", () => QuantPolicy.For<Conv2d>().Use<EightBitConv>(w: 8, a: 8).Build(), true),
    ];

    public static Command Create(TextWriter output, TerminalProgress progress)
    {
        var json = CliOptions.Json("the rows (an array)");
        var runs = new Option<int>("--runs") { Description = "Timed runs per row after two warm-up runs (the median is printed).", DefaultValueFactory = _ => 7 };
        var command = new Command("kernels", "Forward+backward time of every quantizer, fused and composed, against the floor y = x * 1.0.")
        {
            json, runs,
        };
        command.SetAction(parsed => Run(output, parsed.GetValue(json)?.FullName, parsed.GetValue(runs), progress));
        return command;
    }

    private static int Run(TextWriter output, string? jsonPath, int runs, TerminalProgress progress)
    {
        if (runs < 1)
        {
            throw new QQuantException($"--runs must be at least 1; got {runs}.");
        }

        output.WriteLine($"forward+backward, medians of {runs} runs, {get_num_threads()} torch threads");
        output.WriteLine("| quantizer | shape | impl | ms | ratio to floor |");
        output.WriteLine("|---|---|---|---|---|");
        var rows = new JsonArray();
        int quantizers = Methods.Count(m => m.Activation) + Methods.Length, measuring = 0;
        foreach ((long[] shape, bool activation) in new[] { (ActivationShape, true), (WeightShape, false) })
        {
            using var scope = NewDisposeScope();
            Tensor x = activation ? nn.functional.relu(randn(shape)) : randn(shape) * 0.05f;
            Tensor upstream = randn(shape);
            string shapeText = string.Join("x", shape);
            Func<Tensor, Tensor> identity = t => t * 1.0f;
            (double floor, _) = BenchTiming.Alternating(runs, () => Time(x, upstream, identity), () => Time(x, upstream, identity));
            Report(output, rows, "floor (x * 1.0)", shapeText, "floor", floor, 1);
            foreach ((string name, Func<QuantPolicy> policy, _) in Methods.Where(m => !activation || m.Activation))
            {
                progress.Line("bench kernels", ++measuring, quantizers, $"{name} {shapeText}");
                using var methodScope = NewDisposeScope();
                nn.Module<Tensor, Tensor> quantizer = QuantizerOf(policy(), activation, x);
                var fused = quantizer as Quantizer;
                foreach (bool useFused in fused?.FusesFor(x) == true ? new[] { true, false } : [false])
                {
                    fused?.UseFusedKernel = useFused;
                    (double ms, double ratio) = BenchTiming.Alternating(runs, () => Time(x, upstream, quantizer.call), () => Time(x, upstream, identity));
                    Report(output, rows, name, shapeText, useFused ? "fused" : "composed", ms, ratio);
                }
            }
        }

        if (jsonPath is not null)
        {
            BenchOutput.WriteJson(output, jsonPath, rows);
        }

        return 0;
    }

    /// <summary>The weight or input quantizer of a 256-channel conv quantized by <paramref name="policy"/>, initialised from <paramref name="data"/>.</summary>
    private static nn.Module<Tensor, Tensor> QuantizerOf(QuantPolicy policy, bool activation, Tensor data)
    {
        Sequential model = nn.Sequential(("conv", nn.Conv2d(WeightShape[1], WeightShape[0], WeightShape[2], padding: 1)));
        model.Quantize(policy);
        var layer = (QuantizedLayer)model.modules().OfType<IQuantizedLayer>().Single();
        var quantizer = (nn.Module<Tensor, Tensor>)(activation ? layer.InputQuantizer : layer.WeightQuantizer);
        if (quantizer is CalibratedQuantizer calibrated)
        {
            calibrated.InitializeFrom(data);
        }

        quantizer.train();
        return quantizer;
    }

    /// <summary>Seconds of one forward of <paramref name="f"/> on a fresh leaf of <paramref name="x"/> and its backward.</summary>
    private static double Time(Tensor x, Tensor upstream, Func<Tensor, Tensor> f)
    {
        using var scope = NewDisposeScope();
        Tensor leaf = x.detach().requires_grad_(true);
        var stopwatch = Stopwatch.StartNew();
        Tensor y = f(leaf);
        y.backward([upstream]);
        return stopwatch.Elapsed.TotalMilliseconds;
    }

    private static void Report(TextWriter output, JsonArray rows, string name, string shape, string impl, double ms, double ratio)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {shape} | {impl} | {ms:0.00} | {ratio:0.00} |"));
        rows.Add(new JsonObject
        {
            ["name"] = name,
            ["shape"] = shape,
            ["impl"] = impl,
            ["ms"] = Math.Round(ms, 3),
            ["ratio_to_floor"] = Math.Round(ratio, 3),
        });
    }
}
