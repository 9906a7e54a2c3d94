using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.ML.OnnxRuntime;
using QQuant.Export;
using QQuant.Export.Onnx;
using QQuant.Quantizers;
using QQuant.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Samples.Commands;

/// <summary>
/// <c>qquant bench export [--json f]</c>: what deployment gains. For ResNet-18 at 224x224 (batch 1 and 16) and
/// CifarResNet-20 at 32x32 (batch 1 and 128), LSQ 4w4f (first conv and fc 8-bit, calibrated on a random batch):
/// milliseconds of TorchSharp's fake-quantized evaluation, of ONNX Runtime on the float model and of ONNX Runtime
/// on the QCDQ model (its integer kernels, graph optimisation EXTENDED), and of ONNX Runtime on the QCDQ model
/// exported with <see cref="OnnxExportOptions.QuantizeConvolutionOutputs"/> (every quantized convolution an integer
/// kernel), medians timed alternately in one process; and the file sizes of the float model, the QCDQ model (int8 weights) and the QDQ model with int4-packed weights.
/// </summary>
internal static class BenchExportCommand
{
    private sealed record BenchModel(string Name, string Json, int Size, int[] Batches);

    private static readonly BenchModel[] Models =
    [
        new("ResNet-18",
            """{ "model": { "type": "ImageClassifier", "backbone": { "type": "ResNet", "depth": 18 }, "neck": { "type": "GlobalAveragePooling" }, "head": { "type": "LinearClsHead", "numClasses": 1000, "inChannels": 512 } } }""",
            224, [1, 16]),
        new("CifarResNet-20",
            """{ "model": { "type": "ImageClassifier", "backbone": { "type": "CifarResNet", "depth": 20, "inChannels": 3 }, "neck": { "type": "GlobalAveragePooling" }, "head": { "type": "LinearClsHead", "numClasses": 10, "inChannels": 64 } } }""",
            32, [1, 128]),
    ];

    public static Command Create(TextWriter output, TerminalProgress progress)
    {
        var json = CliOptions.Json("the rows (an array)");
        var runs = new Option<int>("--runs") { Description = "Timed runs per row after two warm-ups (medians are compared).", DefaultValueFactory = _ => 9 };
        var model = new Option<string[]>("--model") { Description = "Which models (default: both).", AllowMultipleArgumentsPerToken = true }
            .AcceptOnly([.. Models.Select(m => m.Name)]);
        var command = new Command("export", "Milliseconds and file sizes of LSQ 4w4f in TorchSharp and in ONNX Runtime (float and integer), for ResNet-18 and CifarResNet-20.")
        {
            json, runs, model,
        };
        command.SetAction(parsed => Run(output, parsed.GetValue(json)?.FullName, parsed.GetValue(runs), parsed.GetValue(model) ?? [], progress));
        return command;
    }

    private static int Run(TextWriter output, string? jsonPath, int runs, string[] names, TerminalProgress progress)
    {
        if (runs < 1)
        {
            throw new QQuantException("--runs must be at least 1.");
        }

        using ServiceProvider services = CliServices.Create();
        var factory = services.GetRequiredService<ClassifierFactory>();
        var rows = new JsonArray();
        output.WriteLine($"LSQ 4w4f (first conv and fc 8-bit); ONNX Runtime {OrtEnv.Instance().GetVersionString()}, graph optimisation EXTENDED, no spinning; {runs} timed runs, medians; torch threads {get_num_threads()}");
        output.WriteLine("model           batch  torchsharp ms  ort float ms  ort int8 ms  int8/ort float  int8/torchsharp  all-int8 ms  all-int8/ort float  all-int8/torchsharp  float MB  qcdq MB  int4 MB");
        BenchModel[] chosen = [.. Models.Where(m => names.Length == 0 || names.Contains(m.Name))];
        foreach ((BenchModel bench, int index) in chosen.Select((m, i) => (m, i)))
        {
            progress.Line("bench export", index + 1, chosen.Length, bench.Name);
            Measure(factory, bench, runs, output, rows);
        }

        if (jsonPath is not null)
        {
            BenchOutput.WriteJson(output, jsonPath, rows);
        }

        return 0;
    }

    private static void Measure(ClassifierFactory factory, BenchModel bench, int runs, TextWriter output, JsonArray rows)
    {
        manual_seed(0);
        (ImageClassifier floatModel, _) = factory.Build(ConfigDocument.Parse(bench.Json, bench.Name).ToConfiguration());
        (ImageClassifier quantized, _) = factory.Build(ConfigDocument.Parse(bench.Json, bench.Name).ToConfiguration());
        using (floatModel)
        using (quantized)
        using (var scope = NewDisposeScope())
        {
            quantized.Quantize(QuickstartCommand.Policy());
            QuantCalibration.Calibrate(quantized, [randn(4, 3, bench.Size, bench.Size)]);
            floatModel.eval();
            quantized.eval();
            Tensor sample = randn(1, 3, bench.Size, bench.Size);
            byte[] floatBytes = OnnxModelWriter.ToBytes(floatModel.ToOnnx(new OnnxExportOptions { SampleInput = sample }).Model);
            byte[] qcdqBytes = OnnxModelWriter.ToBytes(quantized.ToOnnx(new OnnxExportOptions { SampleInput = sample }).Model);
            byte[] int4Bytes = OnnxModelWriter.ToBytes(quantized.ToOnnx(new OnnxExportOptions { SampleInput = sample, Format = OnnxQuantFormat.Qdq }).Model);
            byte[] allBytes = OnnxModelWriter.ToBytes(quantized.ToOnnx(new OnnxExportOptions { SampleInput = randn(4, 3, bench.Size, bench.Size), QuantizeConvolutionOutputs = true }).Model);
            using var floatOnnx = Session(floatBytes);
            using var int8Onnx = Session(qcdqBytes);
            using var allInt8Onnx = Session(allBytes);
            foreach (int batch in bench.Batches)
            {
                Tensor images = randn(batch, 3, bench.Size, bench.Size);
                double torchMs = BenchTiming.Median(runs, () => Time(() => quantized.call(images)));
                (double floatMs, _) = BenchTiming.Alternating(runs, () => Time(() => floatOnnx.Logits(images)), () => Time(() => quantized.call(images)));
                (double int8Ms, double perFloat) = BenchTiming.Alternating(runs, () => Time(() => int8Onnx.Logits(images)), () => Time(() => floatOnnx.Logits(images)));
                (_, double perTorch) = BenchTiming.Alternating(runs, () => Time(() => int8Onnx.Logits(images)), () => Time(() => quantized.call(images)));
                (double allMs, double allPerFloat) = BenchTiming.Alternating(runs, () => Time(() => allInt8Onnx.Logits(images)), () => Time(() => floatOnnx.Logits(images)));
                (_, double allPerTorch) = BenchTiming.Alternating(runs, () => Time(() => allInt8Onnx.Logits(images)), () => Time(() => quantized.call(images)));
                double Mb(byte[] b) => b.Length / 1e6;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{bench.Name,-15} {batch,5}  {torchMs,13:F1}  {floatMs,12:F1}  {int8Ms,11:F1}  {perFloat,14:F2}  {perTorch,15:F2}  {allMs,11:F1}  {allPerFloat,17:F2}  {allPerTorch,19:F2}  {Mb(floatBytes),8:F2}  {Mb(qcdqBytes),7:F2}  {Mb(int4Bytes),7:F2}"));
                rows.Add(new JsonObject
                {
                    ["model"] = bench.Name,
                    ["batch"] = batch,
                    ["torchsharp_ms"] = torchMs,
                    ["ort_float_ms"] = floatMs,
                    ["ort_int8_ms"] = int8Ms,
                    ["int8_over_ort_float"] = perFloat,
                    ["int8_over_torchsharp"] = perTorch,
                    ["all_int8_ms"] = allMs,
                    ["all_int8_over_ort_float"] = allPerFloat,
                    ["all_int8_over_torchsharp"] = allPerTorch,
                    ["float_mb"] = Mb(floatBytes),
                    ["qcdq_mb"] = Mb(qcdqBytes),
                    ["int4_mb"] = Mb(int4Bytes),
                });
            }
        }
    }

    // ONNX Runtime's worker threads spin after each run by default; on a small machine that steals the CPU from
    // whatever is timed next (TorchSharp, or the other session) and skews the alternating comparison.
    private static OnnxClassifier Session(byte[] bytes) =>
        new(bytes, configure: options => options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0"));

    private static double Time(Func<Tensor> run)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var watch = Stopwatch.StartNew();
        run();
        return watch.Elapsed.TotalMilliseconds;
    }
}
