using QQuant.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Samples;

/// <summary>How an exported model's predictions compare with the library's on a test split.</summary>
/// <param name="Samples">Images compared.</param>
/// <param name="Agreement">The fraction of images whose top-1 class is the same.</param>
/// <param name="LibraryTop1">The library's top-1 accuracy, in percent.</param>
/// <param name="OnnxTop1">ONNX Runtime's top-1 accuracy, in percent.</param>
/// <param name="MaxLogitDifference">The largest absolute difference of one logit.</param>
internal sealed record OnnxAgreement(int Samples, double Agreement, double LibraryTop1, double OnnxTop1, double MaxLogitDifference)
{
    /// <summary>
    /// Runs <paramref name="model"/> (in evaluation) and <paramref name="onnx"/> on every batch of <paramref name="loader"/>,
    /// telling <paramref name="progress"/>, if not null, of each batch (stage <paramref name="stage"/>).
    /// </summary>
    public static OnnxAgreement Measure(ImageClassifier model, OnnxClassifier onnx, DataLoader loader, IProgress<ProgressStep>? progress = null, string stage = "verify")
    {
        int samples = 0, same = 0, libraryRight = 0, onnxRight = 0;
        double maxDifference = 0;
        model.eval();
        using var noGrad = no_grad();
        int batches = 0;
        progress?.Report(new ProgressStep(stage, 0, loader.BatchesPerEpoch));
        foreach (Batch batch in loader)
        {
            using (batch)
            using (var scope = NewDisposeScope())
            {
                Tensor library = model.call(batch.Images);
                Tensor exported = onnx.Logits(batch.Images);
                Tensor libraryLabels = library.argmax(1), onnxLabels = exported.argmax(1);
                Tensor truth = tensor(batch.Indices.Select(i => (long)loader.Dataset.LabelOf(i)).ToArray());
                samples += batch.Count;
                same += (int)(libraryLabels == onnxLabels).sum().ToInt64();
                libraryRight += (int)(libraryLabels == truth).sum().ToInt64();
                onnxRight += (int)(onnxLabels == truth).sum().ToInt64();
                maxDifference = Math.Max(maxDifference, (library - exported).abs().max().ToDouble());
            }

            progress?.Report(new ProgressStep(stage, ++batches, loader.BatchesPerEpoch));
        }

        return new OnnxAgreement(samples, (double)same / samples, 100.0 * libraryRight / samples, 100.0 * onnxRight / samples, maxDifference);
    }
}
