using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Vision;
using static TorchSharp.torch;

namespace QQuant.Samples.Commands;

/// <summary>
/// <c>qquant infer &lt;config&gt; &lt;checkpoint&gt; &lt;image&gt;...</c>: tutorial 1's single-image inference; prints
/// <c>{'pred_label': 3, 'pred_score': 0.97, 'pred_class': 'Dress'}</c> per image, as the tutorial's Python does.
/// </summary>
internal static class InferCommand
{
    public static Command Create(TextWriter output)
    {
        var config = new Argument<FileInfo>("config") { Description = "The JSON config (model, quantTransformer, data.test.pipeline)." };
        var checkpoint = new Argument<FileInfo>("checkpoint") { Description = "The trained QQuant checkpoint." };
        var images = new Argument<FileInfo[]>("image") { Description = "Image files to classify.", Arity = ArgumentArity.OneOrMore };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" };
        var options = ConfigOptions.Create();
        var command = new Command("infer", "Classify images with a trained (quantized) classifier.")
        {
            config, checkpoint, images, device, options,
        };
        command.SetAction(parsed =>
        {
            // Every file and the device are checked before the model is built.
            ConfigDocument document = ConfigDocument.Load(parsed.GetValue(config)!.FullName, parsed.GetValue(options));
            string checkpointPath = FilePaths.RequireExisting(parsed.GetValue(checkpoint)!.FullName, "checkpoint");
            string[] imagePaths = [.. parsed.GetValue(images)!.Select(i => FilePaths.RequireExisting(i.FullName, "image"))];
            var inferenceOptions = new InferenceOptions { Device = Devices.Parse(parsed.GetValue(device)!, "--device") };
            using ServiceProvider services = CliServices.Create();
            using ClassifierInference inference = services.GetRequiredService<ClassifierFactory>()
                .OpenForInference(document.ToConfiguration(), checkpointPath, inferenceOptions);
            foreach (Prediction p in inference.Predict(imagePaths))
            {
                output.WriteLine(PythonDict(p));
            }

            return 0;
        });
        return command;
    }

    /// <summary>The prediction as the tutorial prints it: a Python dict literal.</summary>
    public static string PythonDict(Prediction p) => string.Create(CultureInfo.InvariantCulture,
        $"{{'pred_label': {p.PredLabel}, 'pred_score': {p.PredScore:0.################}, 'pred_class': '{p.PredClass.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)}'}}");
}
