using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Analysis;
using QQuant.Vision;
using QQuant.Vision.Analysis;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Samples.Commands;

/// <summary>
/// <c>qquant bench analyze</c>: how long <c>qquant analyze</c> takes on the shipped ResNet-50 float and LSQ 4w4f
/// configs and one 224x224 image, end to end (both models opened from their checkpoints, the layer comparison, the
/// sensitivity table, the page and its JSON written), with and without sensitivity, next to one forward pass of each
/// model so the cost reads in forward passes. No pretrained weights can be downloaded here, so the float checkpoint is
/// the seeded initial weights and the 4w4f checkpoint is those weights calibrated on the image; the work done per
/// layer does not depend on the values.
/// </summary>
internal static class BenchAnalyzeCommand
{
    private const string FloatConfig = "configs/FLOAT/res50/config1_res50_float_m1_16_32w32f.json";
    private const string QuantizedConfig = "configs/LSQ/res50/config1_res50_lsq_m1_16_4w4f.json";

    /// <summary>The issue's target for one image on this machine's CPU.</summary>
    private const double TargetSeconds = 60;

    public static Command Create(TextWriter output, TerminalProgress progress)
    {
        var runs = new Option<int>("--runs") { Description = "Timed runs of each setting (the median is printed).", DefaultValueFactory = _ => 3 };
        var workDir = CliOptions.WorkDir("work_dirs/bench_analyze", "Where the checkpoints, the image and the reports go.");
        var command = new Command("analyze", "Seconds qquant analyze takes for ResNet-50 float vs LSQ 4w4f on one 224x224 image, with and without sensitivity.")
        {
            runs, workDir,
        };
        command.SetAction(parsed => Run(output, progress, parsed.GetValue(workDir)!.FullName, parsed.GetValue(runs)));
        return command;
    }

    private static int Run(TextWriter output, TerminalProgress progress, string workDir, int runs)
    {
        if (runs < 1)
        {
            throw new QQuantException($"--runs must be at least 1; got {runs}.");
        }

        Directory.CreateDirectory(workDir);
        using ServiceProvider services = CliServices.Create();
        var factory = services.GetRequiredService<ClassifierFactory>();
        ConfigDocument floatConfig = ConfigDocument.Load(Path.Combine(AppContext.BaseDirectory, FloatConfig));
        ConfigDocument quantizedConfig = ConfigDocument.Load(Path.Combine(AppContext.BaseDirectory, QuantizedConfig));
        const string Stage = "bench analyze";
        progress.Line(Stage, 1, 4, "writing the checkpoints");
        string image = WriteImage(Path.Combine(workDir, "image_224.png"));
        (string floatCheckpoint, string quantizedCheckpoint) = WriteCheckpoints(factory, floatConfig, quantizedConfig, image, workDir);
        output.WriteLine($"ResNet-50 float vs LSQ 4w4f, one 224x224 image, {torch.get_num_threads()} torch threads, {runs} runs each");

        progress.Line(Stage, 2, 4, "forward passes");
        var (floatForward, quantizedForward) = ForwardSeconds(factory, floatConfig, floatCheckpoint, quantizedConfig, quantizedCheckpoint, image, runs);
        var analyzer = services.GetRequiredService<ClassifierAnalyzer>();
        var request = new AnalysisRequest(floatConfig, floatCheckpoint, quantizedConfig, quantizedCheckpoint) { Images = [image] };
        AnalysisReport? report = null;
        double Analyze(bool sensitivity, string name)
        {
            var stopwatch = Stopwatch.StartNew();
            report = analyzer.Analyze(request with { Sensitivity = sensitivity });
            AnalysisHtml.Save(report, Path.Combine(workDir, name));
            return stopwatch.Elapsed.TotalSeconds;
        }

        // No warm-up: a user's one run of qquant analyze pays for the first calls too.
        progress.Line(Stage, 3, 4, "analyze --no-sensitivity");
        double withoutSensitivity = BenchTiming.Median(runs, () => Analyze(false, "model_analysis_no_sensitivity.html"), warmUps: 0);
        progress.Line(Stage, 4, 4, "analyze (with sensitivity)");
        double withSensitivity = BenchTiming.Median(runs, () => Analyze(true, "model_analysis.html"), warmUps: 0);
        int layers = report!.Comparison.Layers.Count;

        string Line(string what, double seconds) =>
            string.Create(CultureInfo.InvariantCulture, $"  {what,-34} {seconds,8:0.00} s  ({seconds / quantizedForward,6:0.0} quantized forwards)");
        output.WriteLine(Line("float forward", floatForward));
        output.WriteLine(Line("4w4f forward", quantizedForward));
        output.WriteLine(Line("analyze --no-sensitivity", withoutSensitivity));
        output.WriteLine(Line("analyze (with sensitivity)", withSensitivity));
        output.WriteLine(Line($"  of which sensitivity ({layers} layers)", withSensitivity - withoutSensitivity));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"target: under {TargetSeconds:0} s with sensitivity: {(withSensitivity < TargetSeconds ? "met" : "NOT met")}; reports in {workDir}"));
        return withSensitivity < TargetSeconds ? 0 : 2;
    }

    private static (string Float, string Quantized) WriteCheckpoints(
        ClassifierFactory factory, ConfigDocument floatConfig, ConfigDocument quantizedConfig, string image, string workDir)
    {
        string floatPath = Path.Combine(workDir, "resnet50_float.qqckpt");
        string quantizedPath = Path.Combine(workDir, "resnet50_lsq_4w4f.qqckpt");
        string[] classes = [.. Enumerable.Range(0, 1000).Select(i => $"class {i}")];
        torch.manual_seed(0);
        (ImageClassifier floatModel, _) = factory.Build(floatConfig.ToConfiguration());
        using (floatModel)
        {
            Checkpoint.Save(floatPath, floatModel, null, new CheckpointMeta { Classes = classes });
        }

        (ImageClassifier quantized, _) = factory.Build(quantizedConfig.ToConfiguration());
        using (quantized)
        using (ClassifierInference preprocessing = factory.OpenForInference(floatConfig.ToConfiguration(), floatPath))
        using (var scope = NewDisposeScope())
        using (Checkpoint start = Checkpoint.Load(floatPath))
        {
            start.LoadInto(quantized, strict: false);
            QuantCalibration.Calibrate(quantized, [preprocessing.Preprocess([image])]);
            Checkpoint.Save(quantizedPath, quantized, null, new CheckpointMeta { Classes = classes });
        }

        return (floatPath, quantizedPath);
    }

    private static (double Float, double Quantized) ForwardSeconds(
        ClassifierFactory factory, ConfigDocument floatConfig, string floatCheckpoint, ConfigDocument quantizedConfig, string quantizedCheckpoint, string image, int runs)
    {
        using ClassifierInference floatModel = factory.OpenForInference(floatConfig.ToConfiguration(), floatCheckpoint);
        using ClassifierInference quantized = factory.OpenForInference(quantizedConfig.ToConfiguration(), quantizedCheckpoint);
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        Tensor input = floatModel.Preprocess([image]);
        double Time(nn.Module<Tensor, Tensor> model) =>
            BenchTiming.Median(runs, () =>
            {
                var stopwatch = Stopwatch.StartNew();
                model.call(input).Dispose();
                return stopwatch.Elapsed.TotalSeconds;
            });

        return (Time(floatModel.Model), Time(quantized.Model));
    }

    /// <summary>A smooth, seeded colour image, so the test pipeline's resize and crop see something like a photo.</summary>
    private static string WriteImage(string path)
    {
        var random = new Random(0);
        double[] phase = [.. Enumerable.Range(0, 6).Select(_ => random.NextDouble() * Math.Tau)];
        using var picture = new Image<Rgb24>(224, 224);
        for (int y = 0; y < 224; y++)
        {
            for (int x = 0; x < 224; x++)
            {
                byte Channel(int c) => (byte)(127.5 + 127.5 * Math.Sin((x * (c + 1) / 23.0) + phase[c]) * Math.Cos((y * (c + 2) / 31.0) + phase[c + 3]));
                picture[x, y] = new Rgb24(Channel(0), Channel(1), Channel(2));
            }
        }

        picture.SaveAsPng(path);
        return path;
    }
}
