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
/// <c>qquant predict --onnx model.onnx --image a.jpg</c> does the same with ONNX Runtime alone, from a model written
/// by <c>qquant export</c>.
/// </summary>
internal static class PredictCommand
{
    public static Command Create(TextWriter output)
    {
        var config = new Option<FileInfo?>("--config") { Description = "The model's JSON config (model, quantTransformer, data.test.pipeline)." };
        var onnx = new Option<FileInfo?>("--onnx") { Description = "An ONNX model written by qquant export, run by ONNX Runtime (instead of --config and --checkpoint)." };
        var checkpoint = new Option<FileInfo?>("--checkpoint") { Description = "A QQuant checkpoint or a state-dict file." };
        var images = new Option<FileInfo[]>("--image") { Description = "Image files to classify.", Required = true, AllowMultipleArgumentsPerToken = true };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" };
        var command = new Command("predict", "Classify images with a (quantized) classifier from a config and a checkpoint.")
        {
            config, checkpoint, onnx, images, device,
        };
        command.SetAction(parsed =>
        {
            ClassifierFactory factory = new ServiceCollection().AddQQuant().AddQuantizers().AddVision().Services
                .BuildServiceProvider().GetRequiredService<ClassifierFactory>();
            IReadOnlyList<Prediction> predictions = parsed.GetValue(onnx) is { } model
                ? PredictOnnx(factory, model.FullName, parsed.GetValue(images)!, parsed.GetValue(config) is not null || parsed.GetValue(checkpoint) is not null, parsed.GetValue(device)!)
                : PredictTorch(factory, parsed.GetValue(config), parsed.GetValue(checkpoint), parsed.GetValue(images)!, parsed.GetValue(device)!);
            foreach (Prediction p in predictions)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{{\"pred_label\": {p.PredLabel}, \"pred_score\": {p.PredScore:0.######}, \"pred_class\": {JsonSerializer.Serialize(p.PredClass)}}}"));
            }

            return 0;
        });
        return command;
    }

    private static IReadOnlyList<Prediction> PredictOnnx(ClassifierFactory factory, string model, FileInfo[] images, bool withConfig, string device)
    {
        if (withConfig)
        {
            throw new QQuantException("--onnx takes the model, class names and pipeline from the ONNX file: leave out --config and --checkpoint.");
        }

        if (!device.Equals("cpu", StringComparison.OrdinalIgnoreCase))
        {
            throw new QQuantException($"--device: '{device}' is not used with --onnx, which ONNX Runtime runs on the CPU; leave out --device (or use --config and --checkpoint).");
        }

        // Every file is checked before the model is opened.
        string modelPath = FilePaths.RequireExisting(model, "--onnx");
        string[] paths = Images(images);
        using OnnxClassifier classifier = factory.OpenOnnx(modelPath);
        return classifier.Predict(paths);
    }

    private static IReadOnlyList<Prediction> PredictTorch(ClassifierFactory factory, FileInfo? config, FileInfo? checkpoint, FileInfo[] images, string device)
    {
        if (config is null)
        {
            throw new QQuantException("predict needs --config (with --checkpoint) or --onnx.");
        }

        // Every file and the device are checked before the model is built.
        string configPath = FilePaths.RequireExisting(config.FullName, "--config");
        string? checkpointPath = checkpoint is null ? null : FilePaths.RequireExisting(checkpoint.FullName, "--checkpoint");
        string[] paths = Images(images);
        var options = new InferenceOptions { Device = Devices.Parse(device, "--device") };
        using ClassifierInference inference = factory.OpenForInference(configPath, checkpointPath, options);
        return inference.Predict(paths);
    }

    private static string[] Images(FileInfo[] images) => [.. images.Select(i => FilePaths.RequireExisting(i.FullName, "--image"))];
}
