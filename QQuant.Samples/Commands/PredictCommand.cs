using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Vision;

namespace QQuant.Samples.Commands;

/// <summary>
/// <c>qquant predict --config c.json --checkpoint m.ckpt --image a.jpg [--format json|dict]</c> (alias <c>infer</c>):
/// the reference's single-image inference, one line per image: <c>{"pred_label": 3, "pred_score": 0.97,
/// "pred_class": "Dress"}</c>, or with <c>--format dict</c> the Python dict the reference's <c>inference_model</c>
/// prints. <c>--onnx model.onnx</c> runs a model written by <c>qquant export</c> with ONNX Runtime alone.
/// </summary>
internal static class PredictCommand
{
    public static Command Create(TextWriter output)
    {
        var config = new Option<FileInfo?>("--config") { Description = "The model's JSON config (model, quantTransformer, data.test.pipeline)." };
        var checkpoint = new Option<FileInfo?>("--checkpoint") { Description = "A QQuant checkpoint or a state-dict file." };
        var onnx = new Option<FileInfo?>("--onnx") { Description = "An ONNX model written by qquant export, run by ONNX Runtime (instead of --config and --checkpoint)." };
        var images = new Option<FileInfo[]>("--image") { Description = "Image files to classify.", Required = true, AllowMultipleArgumentsPerToken = true };
        var format = new Option<string>("--format") { Description = "json: one JSON object per image; dict: the reference's Python dict.", DefaultValueFactory = _ => "json" }
            .AcceptOnly("json", "dict");
        var device = CliOptions.Device();
        var options = CliOptions.ConfigOverrides();
        var command = new Command("predict", "Classify images with a trained (quantized) classifier, from its config and checkpoint or from its ONNX export.")
        {
            config, checkpoint, onnx, images, format, device, options,
        };
        command.Aliases.Add("infer");
        command.SetAction(parsed =>
        {
            using ServiceProvider services = CliServices.Create();
            ClassifierFactory factory = services.GetRequiredService<ClassifierFactory>();
            IReadOnlyList<Prediction> predictions = parsed.GetValue(onnx) is { } model
                ? PredictOnnx(factory, model, parsed.GetValue(images)!, parsed.GetValue(config) is not null || parsed.GetValue(checkpoint) is not null || parsed.GetValue(options)!.Length > 0, parsed.GetValue(device))
                : PredictTorch(factory, parsed.GetValue(config), parsed.GetValue(checkpoint), parsed.GetValue(images)!, parsed.GetValue(device), parsed.GetValue(options)!);
            Func<Prediction, string> line = parsed.GetValue(format) == "dict" ? PythonDict : JsonLine;
            foreach (Prediction p in predictions)
            {
                output.WriteLine(line(p));
            }

            return 0;
        });
        return command;
    }

    /// <summary>The prediction as one line of JSON.</summary>
    public static string JsonLine(Prediction p) => string.Create(CultureInfo.InvariantCulture,
        $"{{\"pred_label\": {p.PredLabel}, \"pred_score\": {p.PredScore:0.######}, \"pred_class\": {JsonSerializer.Serialize(p.PredClass)}}}");

    /// <summary>The prediction as the reference's tutorial prints it: a Python dict literal.</summary>
    public static string PythonDict(Prediction p) => string.Create(CultureInfo.InvariantCulture,
        $"{{'pred_label': {p.PredLabel}, 'pred_score': {p.PredScore:0.################}, 'pred_class': '{p.PredClass.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)}'}}");

    private static IReadOnlyList<Prediction> PredictOnnx(ClassifierFactory factory, FileInfo model, FileInfo[] images, bool withConfig, string? device)
    {
        if (withConfig)
        {
            throw new QQuantException("--onnx takes the model, class names and pipeline from the ONNX file: leave out --config, --checkpoint and --options.");
        }

        if (device is not null && !device.Equals("cpu", StringComparison.OrdinalIgnoreCase))
        {
            throw new QQuantException($"--device: '{device}' is not used with --onnx, which ONNX Runtime runs on the CPU; leave out --device (or use --config and --checkpoint).");
        }

        // Every file is checked before the model is opened.
        string modelPath = FilePaths.RequireExisting(model.FullName, "--onnx");
        string[] paths = Images(images);
        using OnnxClassifier classifier = factory.OpenOnnx(modelPath);
        return classifier.Predict(paths);
    }

    private static IReadOnlyList<Prediction> PredictTorch(ClassifierFactory factory, FileInfo? config, FileInfo? checkpoint, FileInfo[] images, string? device, string[] overrides)
    {
        if (config is null)
        {
            throw new QQuantException("predict needs --config (with --checkpoint) or --onnx.");
        }

        // Every file and the device are checked before the model is built.
        ConfigDocument document = ConfigDocument.Load(FilePaths.RequireExisting(config.FullName, "--config"), overrides);
        string? checkpointPath = checkpoint is null ? null : FilePaths.RequireExisting(checkpoint.FullName, "--checkpoint");
        string[] paths = Images(images);
        var options = new InferenceOptions { Device = CliOptions.ResolveDevice(device, document) };
        using ClassifierInference inference = factory.OpenForInference(document.ToConfiguration(), checkpointPath, options);
        return inference.Predict(paths);
    }

    private static string[] Images(FileInfo[] images) => [.. images.Select(i => FilePaths.RequireExisting(i.FullName, "--image"))];
}
