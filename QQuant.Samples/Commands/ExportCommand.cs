using System.CommandLine;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Export;
using QQuant.Vision;
using static TorchSharp.torch;

namespace QQuant.Samples.Commands;

/// <summary>
/// <c>qquant export &lt;config&gt; &lt;checkpoint&gt; [--out model.onnx] [--opset N] [--format qcdq|qdq] [--verify]
/// [--aligned-checkpoint path]</c>: writes the (quantized) classifier as an ONNX QDQ model with its class names and
/// test pipeline in the metadata, and prints the export report.
/// </summary>
internal static class ExportCommand
{
    private const int MinimumOpset = 21;

    public static Command Create(TextWriter output, TerminalProgress progress)
    {
        var config = new Argument<FileInfo>("config") { Description = "The JSON config the checkpoint was trained with (model, quantTransformer, data.test)." };
        var checkpoint = new Argument<FileInfo>("checkpoint") { Description = "The trained QQuant checkpoint." };
        var outFile = CliOptions.Out("The ONNX file to write (default: the checkpoint's name with .onnx).");
        var opset = new Option<int>("--opset") { Description = "The ONNX opset, 21 or later.", DefaultValueFactory = _ => 21 };
        var format = new Option<string>("--format") { Description = "Grids below 8 bits: qcdq (8-bit containers with Clip, fused by ONNX Runtime) or qdq (4-bit containers, smaller files).", DefaultValueFactory = _ => "qcdq" }
            .AcceptOnly("qcdq", "qdq");
        var strict = new Option<bool>("--strict") { Description = "Fail where a weight grid has no integer form instead of writing its quantized values as float." };
        var inputShape = new Option<string?>("--input-shape") { Description = "The input as N,C,H,W (default: one image of the config's test split)." };
        var quantizeOutputs = new Option<bool>("--quantize-outputs")
        {
            Description = "Give quantized convolutions that feed a residual addition an 8-bit output, calibrated on 64 test images, so ONNX Runtime runs them as integer kernels too (training kept those outputs float).",
        };
        var roundZeroPoints = new Option<bool>("--round-zero-points")
        {
            Description = "Round fractional activation offsets (LSQ+, DSQ, signed DoReFa) to integer zero points, so those layers can run as integer kernels; by default they are written exactly and run in float.",
        };
        var verify = new Option<bool>("--verify")
        {
            Description = "Then run the config's test split through the library (as trained, and with its biases on the export's int32 grid) and through ONNX Runtime, and print how often their top-1 agree.",
        };
        var alignedCheckpoint = new Option<FileInfo?>("--aligned-checkpoint")
        {
            Description = "Also write the checkpoint with each integer convolution's bias moved onto the int32 grid the ONNX model adds (at most half a code), so the library evaluates what ONNX Runtime computes.",
        };
        var options = CliOptions.ConfigOverrides();
        var command = new Command("export", "Export a trained (quantized) classifier to ONNX (QDQ) for ONNX Runtime.")
        {
            config, checkpoint, outFile, opset, format, strict, inputShape, quantizeOutputs, roundZeroPoints, verify, alignedCheckpoint, options,
        };
        command.SetAction(parsed =>
        {
            OnnxQuantFormat quantFormat = parsed.GetValue(format) == "qdq" ? OnnxQuantFormat.Qdq : OnnxQuantFormat.Qcdq;
            if (parsed.GetValue(opset) < MinimumOpset)
            {
                throw new QQuantException($"--opset: {parsed.GetValue(opset)} is too old; the export writes opset {MinimumOpset} or later (per-channel and 4-bit Q/DQ).");
            }

            // Every input is checked, and every file to be written, before the model is built or anything is written:
            // a bad --aligned-checkpoint fails now, not after the ONNX file is there.
            long[]? shape = parsed.GetValue(inputShape) is { } text ? ParseShape(text) : null;
            ConfigDocument document = ConfigDocument.Load(parsed.GetValue(config)!.FullName, parsed.GetValue(options));
            string checkpointPath = FilePaths.RequireExisting(parsed.GetValue(checkpoint)!.FullName, "checkpoint");
            string target = FilePaths.RequireWritable(parsed.GetValue(outFile)?.FullName ?? Path.ChangeExtension(checkpointPath, ".onnx"), "--out");
            string? aligned = parsed.GetValue(alignedCheckpoint) is { } alignedFile ? FilePaths.RequireWritable(alignedFile.FullName, "--aligned-checkpoint") : null;
            if (target == checkpointPath || target == aligned)
            {
                throw new QQuantException($"--out: '{target}' is {(target == checkpointPath ? "the checkpoint being exported" : "the --aligned-checkpoint too")}; name another file.");
            }

            bool verifying = parsed.GetValue(verify);
            using ServiceProvider services = CliServices.Create();
            ClassifierTrainer trainer = services.GetRequiredService<ClassifierTrainer>();
            ImageDataset? verifyImages = verifying ? TestSplit(trainer, document, "--verify") : null;
            using ClassifierInference inference = services.GetRequiredService<ClassifierFactory>().OpenForInference(document.ToConfiguration(), checkpointPath);
            using var scope = NewDisposeScope();
            var exportOptions = new OnnxExportOptions
            {
                InputShape = shape,
                SampleInput = shape is null ? TestImages(trainer, document, parsed.GetValue(quantizeOutputs) ? 64 : 1) : null,
                QuantizeConvolutionOutputs = parsed.GetValue(quantizeOutputs),
                RoundZeroPoints = parsed.GetValue(roundZeroPoints),
                Opset = parsed.GetValue(opset),
                Format = quantFormat,
                Strict = parsed.GetValue(strict),
                Emitters = services.GetRequiredService<OnnxEmitterRegistry>(),
                Metadata = OnnxMetadata.Of(document, inference.Classes, inference.Model.Backbone.InChannels, Path.GetFileName(checkpointPath)),
                Progress = progress,
            };
            OnnxExportReport report = inference.Model.ExportOnnx(target, exportOptions);
            output.WriteLine(report.ToString());
            if (verifyImages is not null)
            {
                Verify(output, progress, "as trained", verifyImages, inference.Model, target);
            }

            if (verifying || aligned is not null)
            {
                IReadOnlyList<AlignedBias> moved = inference.Model.AlignBiasesToIntegerGrid(exportOptions);
                output.WriteLine(FormattableString.Invariant(
                    $"aligned the biases of {moved.Count} convolutions to the int32 grid (largest move {moved.Select(m => m.LargestMoveInCodes).DefaultIfEmpty(0).Max():F3} codes)"));
                if (verifyImages is not null)
                {
                    Verify(output, progress, "biases aligned", verifyImages, inference.Model, target);
                }

                if (aligned is not null)
                {
                    using Checkpoint original = Checkpoint.Load(checkpointPath);
                    Checkpoint.Save(aligned, inference.Model, optimizer: null, original.Meta with { Time = null });
                    output.WriteLine($"aligned checkpoint -> {aligned}");
                }
            }

            return 0;
        });
        return command;
    }

    private static long[] ParseShape(string text)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        long[] shape = [.. parts.Select(p => long.TryParse(p, out long d) && d > 0 ? d : -1)];
        return shape.Length == 4 && shape.All(d => d > 0)
            ? shape
            : throw new QQuantException($"--input-shape: '{text}' is not N,C,H,W with positive sizes (for example 1,1,32,32).");
    }

    private static void Verify(TextWriter output, IProgress<ProgressStep> progress, string what, ImageDataset test, ImageClassifier model, string onnxPath)
    {
        using var onnx = OnnxClassifier.Load(onnxPath);
        OnnxAgreement agreement = OnnxAgreement.Measure(model, onnx, new DataLoader(test, new DataLoaderOptions { BatchSize = 250 }), progress, $"verify ({what})");
        output.WriteLine(FormattableString.Invariant(
            $"verify ({what}): {agreement.Samples} test images, top-1 agrees on {100 * agreement.Agreement:F2} %; top-1 {agreement.LibraryTop1:F2} % in the library, {agreement.OnnxTop1:F2} % in ONNX Runtime; largest logit difference {agreement.MaxLogitDifference:G4}"));
    }

    private static Tensor TestImages(ClassifierTrainer trainer, ConfigDocument config, int count)
    {
        try
        {
            ImageDataset test = trainer.BuildDataset(config, trainer.BindData(config, trainer.Bind(config)).Test, "data:test");
            using Batch batch = new DataLoader(new DatasetSlice(test, Math.Min(count, test.Count)), new DataLoaderOptions { BatchSize = count }).First();
            return batch.Images.clone();
        }
        catch (QQuantException e)
        {
            throw new QQuantException($"The export traces the model on test images, and the config's test split cannot be read ({e.Message}); pass --input-shape N,C,H,W instead.");
        }
    }

    // The config's test split, opened before the export so --verify cannot fail on it after the ONNX file is written.
    private static ImageDataset TestSplit(ClassifierTrainer trainer, ConfigDocument config, string option)
    {
        try
        {
            return trainer.BuildDataset(config, trainer.BindData(config, trainer.Bind(config)).Test, "data:test");
        }
        catch (QQuantException e)
        {
            throw new QQuantException($"{option} runs the config's test split, which cannot be read: {e.Message}", e);
        }
    }
}
