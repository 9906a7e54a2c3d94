using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Analysis;
using QQuant.Vision.Analysis;
using static TorchSharp.torch;

namespace QQuant.Samples.Commands;

/// <summary>
/// <c>qquant analyze --image a.png --config-float f --config-int q --checkpoint-float f.ckpt --checkpoint-int q.ckpt
/// [--out model_analysis.html]</c>: the reference's model analysis tool. Writes the HTML page and its JSON.
/// </summary>
internal static class AnalyzeCommand
{
    public static Command Create(TextWriter output, TerminalProgress progress)
    {
        Option<FileInfo> File(string name, string description) => new(name) { Description = description, Required = true };
        var configFloat = File("--config-float", "The float model's config.");
        var configInt = File("--config-int", "The quantized model's config (with its quantTransformer).");
        var checkpointFloat = File("--checkpoint-float", "The float model's checkpoint.");
        var checkpointInt = File("--checkpoint-int", "The quantized model's checkpoint.");
        var image = new Option<FileInfo?>("--image") { Description = "The image to analyse (or --data)." };
        var data = new Option<FileInfo?>("--data") { Description = "A config whose data.val split is analysed instead of one image (accuracy-based sensitivity)." };
        var samples = new Option<int>("--samples") { Description = "How many val images --data uses.", DefaultValueFactory = _ => 64 };
        var device = CliOptions.Device();
        var outFile = CliOptions.Out("The HTML page to write (default: model_analysis.html); its JSON goes beside it.");
        var noSensitivity = new Option<bool>("--no-sensitivity") { Description = "Skip the per-layer sensitivity (two passes per quantized layer)." };
        var command = new Command("analyze", "Compare a float classifier with its quantized twin layer by layer: an offline HTML report and its JSON.")
        {
            configFloat, configInt, checkpointFloat, checkpointInt, image, data, samples, device, outFile, noSensitivity,
        };
        command.SetAction(parsed =>
        {
            // Every input is checked, and both files to be written, before the models are opened: a bad --out fails
            // now, not after the analysis.
            FileInfo? imageFile = parsed.GetValue(image);
            FileInfo? dataConfig = parsed.GetValue(data);
            if ((imageFile is null) == (dataConfig is null))
            {
                throw new QQuantException("analyze takes one of --image (one image) and --data (a config whose val split is analysed); see 'qquant analyze --help'.");
            }

            ConfigDocument floatConfig = ConfigDocument.Load(FilePaths.RequireExisting(parsed.GetValue(configFloat)!.FullName, configFloat.Name));
            ConfigDocument quantizedConfig = ConfigDocument.Load(FilePaths.RequireExisting(parsed.GetValue(configInt)!.FullName, configInt.Name));
            string floatCheckpoint = FilePaths.RequireExisting(parsed.GetValue(checkpointFloat)!.FullName, checkpointFloat.Name);
            string quantizedCheckpoint = FilePaths.RequireExisting(parsed.GetValue(checkpointInt)!.FullName, checkpointInt.Name);
            if (dataConfig is not null && parsed.GetValue(samples) < 1)
            {
                throw new QQuantException($"--samples: must be at least 1 (val images to analyse), got {parsed.GetValue(samples)}.");
            }

            var request = new AnalysisRequest(floatConfig, floatCheckpoint, quantizedConfig, quantizedCheckpoint)
            {
                Images = imageFile is null ? [] : [FilePaths.RequireExisting(imageFile.FullName, image.Name)],
                Data = dataConfig is null ? null : ConfigDocument.Load(FilePaths.RequireExisting(dataConfig.FullName, data.Name)),
                Samples = parsed.GetValue(samples),
                Device = CliOptions.ResolveDevice(parsed.GetValue(device), floatConfig, quantizedConfig),
                Sensitivity = !parsed.GetValue(noSensitivity),
                Progress = progress,
            };
            string html = FilePaths.RequireWritable(parsed.GetValue(outFile)?.FullName ?? "model_analysis.html", outFile.Name);
            if (Path.GetExtension(html).Equals(".json", StringComparison.OrdinalIgnoreCase))
            {
                throw new QQuantException($"--out: '{html}' ends in .json, the name of the report's JSON beside the page; name the page .html.");
            }

            FilePaths.RequireWritable(Path.ChangeExtension(html, ".json"), "--out (its JSON)");
            using ServiceProvider services = CliServices.Create();
            AnalysisReport report = services.GetRequiredService<ClassifierAnalyzer>().Analyze(request);
            string json = AnalysisHtml.Save(report, html);
            Summarize(output, report);
            output.WriteLine($"wrote {html} and {json}");
            return 0;
        });
        return command;
    }

    /// <summary>The report's headline numbers, a few lines for the console.</summary>
    public static void Summarize(TextWriter output, AnalysisReport report)
    {
        ModelAnalysisResult c = report.Comparison;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{c.Layers.Count} quantized layers; top-1 agreement {c.Outputs.Top1Agreement:0.00} % over {c.Outputs.Samples} inputs; output KL {c.Outputs.SoftmaxKlBits:0.#####} bits; parameters {c.Size.Float32Bytes / 1e6:0.###} MB -> {c.Size.QuantizedBytes / 1e6:0.###} MB"));
        LayerAnalysis worstInput = c.Layers.MinBy(l => l.Input.LatentVsQuantized.SqnrDb)!;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"lowest input SQNR: {worstInput.Name} ({worstInput.Input.LatentVsQuantized.SqnrDb:0.00} dB, {worstInput.InputBits} bits)"));
        if (report.Sensitivity is { Layers.Count: > 0 } s)
        {
            LayerSensitivity worst = s.Layers[0];
            string top1 = double.IsNaN(worst.OnlyThisQuantized.Top1) ? "" : string.Create(CultureInfo.InvariantCulture, $"top-1 {worst.OnlyThisQuantized.Top1:0.00} %, ");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"most sensitive layer: {worst.Name} (quantized alone: {top1}output KL {worst.OnlyThisQuantized.KlBits:0.#####} bits)"));
        }
    }
}
