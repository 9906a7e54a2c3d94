using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Analysis;
using QQuant.Vision.Analysis;
using static TorchSharp.torch;

namespace QQuant.Samples.Commands;

/// <summary>
/// <c>qquant analyze &lt;image&gt; --config-float f --config-int q --checkpoint-float f.ckpt --checkpoint-int q.ckpt</c>:
/// the reference's model analysis tool; the tutorial's positional order (image, float config, int config, float
/// checkpoint, int checkpoint, device, save path) works too. Writes the HTML page and its JSON.
/// </summary>
internal static class AnalyzeCommand
{
    public static Command Create(TextWriter output, TerminalProgress progress)
    {
        Argument<string?> Positional(string name, string description) => new(name) { Description = description, Arity = ArgumentArity.ZeroOrOne };
        var image = Positional("image", "The image to analyse (or use --data).");
        var configFloatArg = Positional("config-float", "The float model's config (or --config-float).");
        var configIntArg = Positional("config-int", "The quantized model's config (or --config-int).");
        var checkpointFloatArg = Positional("checkpoint-float", "The float model's checkpoint (or --checkpoint-float).");
        var checkpointIntArg = Positional("checkpoint-int", "The quantized model's checkpoint (or --checkpoint-int).");
        var deviceArg = Positional("device", "cpu, cuda or cuda:N (or --device).");
        var savePathArg = Positional("save-path", "The HTML file to write (or --save-path).");
        var configFloat = new Option<string?>("--config-float") { Description = "The float model's config." };
        var configInt = new Option<string?>("--config-int") { Description = "The quantized model's config (with its quantTransformer)." };
        var checkpointFloat = new Option<string?>("--checkpoint-float") { Description = "The float model's checkpoint." };
        var checkpointInt = new Option<string?>("--checkpoint-int") { Description = "The quantized model's checkpoint." };
        var device = new Option<string?>("--device") { Description = "cpu, cuda or cuda:N (default: cpu)." };
        var savePath = new Option<string?>("--save-path") { Description = "The HTML file to write (default: model_analysis.html); the JSON goes next to it." };
        var data = new Option<FileInfo?>("--data") { Description = "A config whose data.val split is analysed instead of one image (accuracy-based sensitivity)." };
        var samples = new Option<int>("--samples") { Description = "How many val images --data uses.", DefaultValueFactory = _ => 64 };
        var noSensitivity = new Option<bool>("--no-sensitivity") { Description = "Skip the per-layer sensitivity (two passes per quantized layer)." };
        var command = new Command("analyze", "Compare a float classifier with its quantized twin layer by layer: an offline HTML report and its JSON.")
        {
            image, configFloatArg, configIntArg, checkpointFloatArg, checkpointIntArg, deviceArg, savePathArg,
            configFloat, configInt, checkpointFloat, checkpointInt, device, savePath, data, samples, noSensitivity,
        };
        command.SetAction(parsed =>
        {
            (Option<string?> Option, Argument<string?> Argument, int Position)[] required =
            [
                (configFloat, configFloatArg, 2), (configInt, configIntArg, 3), (checkpointFloat, checkpointFloatArg, 4), (checkpointInt, checkpointIntArg, 5),
            ];
            string?[] values = [.. required.Select(r => parsed.GetValue(r.Option) ?? parsed.GetValue(r.Argument))];
            string[] missing = [.. required.Where((_, i) => values[i] is null).Select((r, i) => i == 0 ? $"{r.Option.Name} (or positional argument {r.Position})" : $"{r.Option.Name} ({r.Position})")];
            if (missing.Length > 0)
            {
                throw new QQuantException($"qquant analyze: missing {string.Join(", ", missing)}; see 'qquant analyze --help'.");
            }

            // Every input is checked, and both files to be written, before the models are opened: a bad --save-path
            // fails now, not after the analysis.
            FileInfo? dataConfig = parsed.GetValue(data);
            string? imagePath = parsed.GetValue(image);
            ConfigDocument floatConfig = ConfigDocument.Load(values[0]!);
            ConfigDocument quantizedConfig = ConfigDocument.Load(values[1]!);
            string floatCheckpoint = FilePaths.RequireExisting(values[2]!, required[2].Option.Name);
            string quantizedCheckpoint = FilePaths.RequireExisting(values[3]!, required[3].Option.Name);
            if (dataConfig is not null && parsed.GetValue(samples) < 1)
            {
                throw new QQuantException($"--samples: must be at least 1 (val images to analyse), got {parsed.GetValue(samples)}.");
            }

            var request = new AnalysisRequest(floatConfig, floatCheckpoint, quantizedConfig, quantizedCheckpoint)
            {
                Images = imagePath is null ? [] : [FilePaths.RequireExisting(imagePath, "image")],
                Data = dataConfig is null ? null : ConfigDocument.Load(dataConfig.FullName),
                Samples = parsed.GetValue(samples),
                Device = Devices.Parse(parsed.GetValue(device) ?? parsed.GetValue(deviceArg) ?? "cpu", "--device"),
                Sensitivity = !parsed.GetValue(noSensitivity),
                Progress = progress,
            };
            string html = FilePaths.RequireWritable(parsed.GetValue(savePath) ?? parsed.GetValue(savePathArg) ?? "model_analysis.html", "--save-path");
            if (Path.GetExtension(html).Equals(".json", StringComparison.OrdinalIgnoreCase))
            {
                throw new QQuantException($"--save-path: '{html}' ends in .json, the name of the report's JSON beside the page; name the page .html.");
            }

            FilePaths.RequireWritable(Path.ChangeExtension(html, ".json"), "--save-path (its JSON)");
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
