using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Vision;
using static TorchSharp.torch;

namespace QQuant.Samples.Commands;

/// <summary>
/// <c>qquant test &lt;config&gt; &lt;checkpoint&gt;</c>: the reference's <c>tools/test.py</c>. Prints each metric as
/// <c>accuracy_top-1 : 91.23</c>; <c>--out</c> writes the metrics and every sample's prediction as JSON.
/// </summary>
internal static class TestCommand
{
    public static Command Create(TextWriter output, TerminalProgress progress)
    {
        var config = new Argument<FileInfo>("config") { Description = "The JSON config the checkpoint was trained with." };
        var checkpoint = new Argument<FileInfo>("checkpoint") { Description = "The QQuant checkpoint to evaluate." };
        var metrics = new Option<string[]>("--metrics") { Description = "Metrics to compute.", DefaultValueFactory = _ => ["accuracy"], AllowMultipleArgumentsPerToken = true }
            .AcceptOnly("accuracy");
        var outFile = CliOptions.Out("Write the metrics and per-sample predictions to this JSON file.");
        var device = CliOptions.Device();
        var options = CliOptions.ConfigOverrides();
        var command = new Command("test", "Evaluate a checkpoint on the config's test split.")
        {
            config, checkpoint, metrics, outFile, device, options,
        };
        command.SetAction(parsed =>
        {
            // Every input is checked before the test split is evaluated: a bad --out fails now, not after the evaluation.
            ConfigDocument document = ConfigDocument.Load(parsed.GetValue(config)!.FullName, parsed.GetValue(options));
            string checkpointPath = FilePaths.RequireExisting(parsed.GetValue(checkpoint)!.FullName, "checkpoint");
            string? target = parsed.GetValue(outFile) is { } file ? FilePaths.RequireWritable(file.FullName, "--out") : null;
            Device runOn = CliOptions.ResolveDevice(parsed.GetValue(device), document);
            using ServiceProvider services = CliServices.Create();
            TestResult result = services.GetRequiredService<ClassifierTester>().Test(document, checkpointPath, runOn, keepPredictions: target is not null, progress: progress);
            foreach ((string key, double value) in result.Metrics)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"\n{key} : {value:0.00}"));
            }

            if (target is not null)
            {
                var json = new JsonObject
                {
                    ["samples"] = result.Samples,
                    ["metrics"] = new JsonObject(result.Metrics.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)JsonValue.Create(m.Value)))),
                    ["pred_label"] = new JsonArray([.. result.Predictions.Select(p => (JsonNode?)JsonValue.Create(p.PredLabel))]),
                    ["pred_score"] = new JsonArray([.. result.Predictions.Select(p => (JsonNode?)JsonValue.Create(Math.Round(p.PredScore, 6)))]),
                    ["pred_class"] = new JsonArray([.. result.Predictions.Select(p => (JsonNode?)JsonValue.Create(p.PredClass))]),
                };
                AtomicFile.Write(target, s => s.Write(System.Text.Encoding.UTF8.GetBytes(json.ToJsonString())));
                output.WriteLine($"wrote {target}");
            }

            return 0;
        });
        return command;
    }
}
