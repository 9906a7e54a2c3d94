using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Analysis;
using QQuant.Quantizers;
using QQuant.Training;
using QQuant.Vision;
using QQuant.Vision.Analysis;
using SixLabors.ImageSharp;
using TorchSharp.Modules;

namespace QQuant.Samples.Commands;

/// <summary>
/// <c>qquant quickstart</c>: the whole flow in a few minutes on the Fashion-MNIST subset shipped with the samples:
/// train a float CifarResNet-20 from the shipped config, quantize it with a fluent LSQ 4w4f policy (first conv and fc
/// at 8 bits), QAT-fine-tune from the float checkpoint, print both top-1 accuracies and the quantization report,
/// classify a few test images with the quantized checkpoint, and write the model analysis report of the pair (as
/// <c>qquant analyze --data</c> would) on the first val images. Artefacts go to <c>work_dirs/quickstart</c>.
/// </summary>
internal static class QuickstartCommand
{
    /// <summary>The float config the quickstart starts from (relative to the app's folder).</summary>
    public const string FloatConfig = "configs/FLOAT/cres20/config1_cres20_float_m1_128_32w32f.json";

    public static Command Create(TextWriter output, TerminalProgress progress)
    {
        var dataRoot = new Option<DirectoryInfo?>("--data-root")
        {
            Description = "Fashion-MNIST's IDX folder (default: the 5 000/1 000-image subset shipped with the samples; "
                          + "/usr/share/datasets/fashion-mnist for the full data set).",
        };
        var workDir = CliOptions.WorkDir("work_dirs/quickstart", "Where the artefacts go.");
        var floatEpochs = new Option<int>("--float-epochs") { Description = "Epochs of float training.", DefaultValueFactory = _ => 5 };
        var qatEpochs = new Option<int>("--qat-epochs") { Description = "Epochs of QAT fine-tuning.", DefaultValueFactory = _ => 2 };
        var command = new Command("quickstart", "Train a float model, quantize it with LSQ 4w4f and fine-tune it, on a Fashion-MNIST subset, in a few minutes.")
        {
            dataRoot, workDir, floatEpochs, qatEpochs,
        };
        command.SetAction(parsed =>
            Run(output, progress, parsed.GetValue(dataRoot)?.FullName ?? Path.Combine(AppContext.BaseDirectory, "data", "fashion-mnist-subset"),
                parsed.GetValue(workDir)!.FullName, parsed.GetValue(floatEpochs), parsed.GetValue(qatEpochs)));
        return command;
    }

    /// <summary>A path as a shell word: in double quotes when it holds a space.</summary>
    private static string Quoted(string path) => path.Contains(' ', StringComparison.Ordinal) ? $"\"{path}\"" : path;

    /// <summary>How many val images the quickstart's model analysis uses.</summary>
    public const int AnalysisSamples = 256;

    /// <summary>The fluent policy the quickstart fine-tunes with.</summary>
    public static QuantPolicy Policy() => ShippedPolicies.WithEightBitEnds(b => b.Use<LSQConv>(w: 4, a: 4));

    private static int Run(TextWriter output, TerminalProgress progress, string dataRoot, string workDir, int floatEpochs, int qatEpochs)
    {
        if (floatEpochs < 1 || qatEpochs < 1)
        {
            throw new QQuantException("--float-epochs and --qat-epochs must be at least 1.");
        }

        // Every input is checked before the first line: the data root and its three splits (the test split is read
        // only after both trainings), the work dir, and the configs of every stage.
        if (!Directory.Exists(dataRoot))
        {
            throw new FilePathException("--data-root", dataRoot, File.Exists(dataRoot)
                ? $"--data-root: '{dataRoot}' is a file; name the folder that holds Fashion-MNIST's IDX files."
                : $"--data-root: the folder '{dataRoot}' does not exist.");
        }

        FilePaths.RequireFolder(workDir, "--work-dir");
        using ServiceProvider services = CliServices.Create();
        var trainer = services.GetRequiredService<ClassifierTrainer>();
        string config = Path.Combine(AppContext.BaseDirectory, FloatConfig);
        string[] data = [$"data.train.dataPrefix={dataRoot}", $"data.val.dataPrefix={dataRoot}", $"data.test.dataPrefix={dataRoot}", "logConfig.interval=20"];
        ConfigDocument floatConfig = ConfigDocument.Load(config, [.. data, $"totalEpochs={floatEpochs}", "lrConfig.warmupIters=40"]);
        ConfigDocument qatConfig = ConfigDocument.Load(config, [.. data, $"totalEpochs={qatEpochs}", "optimizer.lr=0.01", "lrConfig.warmup=null", "lrConfig.warmupIters=0",
            "optimizer.nesterov=false"]);
        RequireSplits(trainer, floatConfig);

        output.WriteLine($"== 1/4 float CifarResNet-20 on {dataRoot}, {floatEpochs} epochs");
        TrainingResult floatRun = Train(trainer, floatConfig, new TrainingOverrides { WorkDir = Path.Combine(workDir, "float") }, output);

        output.WriteLine($"== 2/4 LSQ 4w4f (first conv and fc 8-bit), {qatEpochs} epochs from the float checkpoint");
        QuantPolicy policy = Policy();
        string qatDir = Path.Combine(workDir, "lsq_4w4f");
        TrainingResult qatRun;
        QuantizationReport report;
        using (TrainingRun run = trainer.Prepare(qatConfig, new TrainingOverrides { WorkDir = qatDir, LoadFrom = floatRun.LastCheckpoint, Policy = policy, Progress = progress }, output))
        {
            report = run.Report!;
            qatRun = run.Run();
        }

        output.WriteLine("== 3/4 results");
        output.WriteLine(report.ToString());
        double floatTop1 = Top1(floatRun);
        double qatTop1 = Top1(qatRun);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"float top-1:    {floatTop1:0.00} %  ({floatRun.Seconds:0} s)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"LSQ 4w4f top-1: {qatTop1:0.00} %  ({qatRun.Seconds:0} s), drop {floatTop1 - qatTop1:0.00} points"));
        output.WriteLine($"checkpoints: {floatRun.LastCheckpoint}, {qatRun.LastCheckpoint}");

        // The fluent policy written as a config, so `qquant predict` and `qquant test` can open the quantized checkpoint.
        string qatConfigPath = Path.Combine(qatDir, "quickstart_lsq_4w4f.json");
        ConfigDocument withPolicy = ConfigDocument.Load(config, [.. data, $"quantTransformer={PolicyJson}"]);
        withPolicy.Save(qatConfigPath);
        if (!QuantPolicy.FromConfiguration(withPolicy.ToConfiguration().GetSection("quantTransformer"), services.GetRequiredService<QuantLayerRegistry>()).Equals(policy))
        {
            throw new QQuantException("The quickstart's JSON policy no longer equals its fluent policy.");
        }

        output.WriteLine($"single-image inference with the quantized checkpoint ({qatConfigPath}):");
        string[] images = WriteTestImages(floatConfig, trainer, Path.Combine(workDir, "images"), 3);
        using (ClassifierInference inference = services.GetRequiredService<ClassifierFactory>()
                   .OpenForInference(withPolicy.ToConfiguration(), qatRun.LastCheckpoint!))
        {
            foreach ((string image, Prediction p) in images.Zip(inference.Predict(images)))
            {
                output.WriteLine($"  {Path.GetFileName(image)}: {PredictCommand.PythonDict(p)}");
            }
        }

        output.WriteLine($"try: qquant predict --config {Quoted(qatConfigPath)} --checkpoint {Quoted(CheckpointFiles.Latest(qatDir)!)} --image {Quoted(images[0])} --format dict");

        output.WriteLine($"== 4/4 model analysis of float vs LSQ 4w4f on the first {AnalysisSamples} val images");
        var request = new AnalysisRequest(floatConfig, floatRun.LastCheckpoint!, ConfigDocument.Load(qatConfigPath), qatRun.LastCheckpoint!)
        {
            Data = floatConfig,
            Samples = AnalysisSamples,
            Progress = progress,
        };
        AnalysisReport analysis = services.GetRequiredService<ClassifierAnalyzer>().Analyze(request);
        string html = Path.Combine(workDir, "model_analysis.html");
        string json = AnalysisHtml.Save(analysis, html);
        AnalyzeCommand.Summarize(output, analysis);
        output.WriteLine($"model analysis: {html} and {json}");
        return 0;
    }

    /// <summary>The same policy as <see cref="Policy"/>, as a <c>quantTransformer</c> config section.</summary>
    public const string PolicyJson =
        "{\"type\": \"QuantTransformer\", \"policy\": {\"Conv2d\": {\"type\": \"LSQConv\", \"w\": 4, \"a\": 4}}, \"specialLayers\": {"
        + "\"backbone.conv1\": {\"type\": \"EightBitConv\", \"w\": 8, \"a\": 8, \"quantizeInput\": false}, "
        + "\"head.fc\": {\"type\": \"EightBitLinear\", \"w\": 8, \"a\": 8}}}";

    private static string[] WriteTestImages(ConfigDocument config, ClassifierTrainer trainer, string folder, int count)
    {
        TrainingConfig settings = trainer.Bind(config);
        ImageDataset test = trainer.BuildDataset(config, trainer.BindData(config, settings).Test, "data:test");
        Directory.CreateDirectory(folder);
        var paths = new List<string>();
        for (int i = 0; i < count; i++)
        {
            using Sample sample = test.Load(i);
            string path = Path.Combine(folder, $"test_{i}_{test.Classes[sample.Label].Replace('/', '-')}.png");
            sample.Image!.SaveAsPng(path);
            paths.Add(path);
        }

        return [.. paths];
    }

    // Reads the three splits of the data root once, so a missing or damaged file is named before any training.
    private static void RequireSplits(ClassifierTrainer trainer, ConfigDocument config)
    {
        DataConfig splits = trainer.BindData(config, trainer.Bind(config));
        foreach ((IConfiguration? split, string key) in new[] { (splits.Train, "data:train"), (splits.Val, "data:val"), (splits.Test, "data:test") })
        {
            try
            {
                trainer.BuildDataset(config, split, key);
            }
            catch (QQuantException e)
            {
                throw new QQuantException($"--data-root: {e.Message}", e);
            }
        }
    }

    private static TrainingResult Train(ClassifierTrainer trainer, ConfigDocument config, TrainingOverrides overrides, TextWriter output)
    {
        using TrainingRun run = trainer.Prepare(config, overrides, output);
        return run.Run();
    }

    private static double Top1(TrainingResult result) =>
        result.LastMetrics.FirstOrDefault(m => m.Key == "accuracy_top-1").Value;
}
