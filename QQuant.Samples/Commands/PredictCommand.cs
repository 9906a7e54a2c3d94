using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Quantizers;
using QQuant.Vision;
using static TorchSharp.torch;

namespace QQuant.Samples.Commands;

/// <summary>
/// <c>qquant predict --config c.json --checkpoint m.ckpt --image a.jpg [--device cuda:0]</c>: the tutorial's
/// single-image inference; prints one JSON line per image, <c>{"pred_label":…,"pred_score":…,"pred_class":…}</c>.
/// </summary>
internal static class PredictCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var config = new Option<FileInfo>("--config") { Description = "The model's JSON config (model, quantTransformer, data.test.pipeline).", Required = true };
        var checkpoint = new Option<FileInfo?>("--checkpoint") { Description = "A QQuant checkpoint or a state-dict file." };
        var images = new Option<FileInfo[]>("--image") { Description = "Image files to classify.", Required = true, AllowMultipleArgumentsPerToken = true };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" };
        var command = new Command("predict", "Classify images with a (quantized) classifier from a config and a checkpoint.")
        {
            config, checkpoint, images, device,
        };
        command.SetAction(parsed =>
        {
            ClassifierFactory factory = new ServiceCollection().AddQQuant().AddQuantizers().AddVision().Services
                .BuildServiceProvider().GetRequiredService<ClassifierFactory>();
            try
            {
                var options = new InferenceOptions { Device = new Device(parsed.GetValue(device)!) };
                using ClassifierInference inference = factory.OpenForInference(
                    parsed.GetValue(config)!.FullName, parsed.GetValue(checkpoint)?.FullName, options);
                IReadOnlyList<Prediction> predictions = inference.Predict([.. parsed.GetValue(images)!.Select(i => i.FullName)]);
                foreach (Prediction p in predictions)
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{{\"pred_label\": {p.PredLabel}, \"pred_score\": {p.PredScore:0.######}, \"pred_class\": {JsonSerializer.Serialize(p.PredClass)}}}"));
                }

                return 0;
            }
            catch (Exception e) when (e is QQuantException or ArgumentException)
            {
                error.WriteLine(e.Message);
                return 1;
            }
        });
        return command;
    }
}
