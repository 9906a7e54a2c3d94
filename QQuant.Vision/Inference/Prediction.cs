using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>What the classifier says about one image, as the reference's <c>inference_model</c> returns it.</summary>
/// <param name="PredLabel">The index of the most probable class (<c>pred_label</c>).</param>
/// <param name="PredScore">Its softmax probability (<c>pred_score</c>).</param>
/// <param name="PredClass">Its name (<c>pred_class</c>).</param>
public sealed record Prediction(int PredLabel, double PredScore, string PredClass)
{
    /// <summary>The prediction of each row of <paramref name="logits"/> <c>[N, classes]</c>: softmax, then the most probable class.</summary>
    internal static IReadOnlyList<Prediction> FromLogits(Tensor logits, IReadOnlyList<string> classes)
    {
        using var scope = NewDisposeScope();
        (Tensor scores, Tensor labels) = nn.functional.softmax(logits, 1).max(1);
        float[] score = scores.to(float32).cpu().data<float>().ToArray();
        long[] label = labels.cpu().data<long>().ToArray();
        return [.. label.Select((l, i) => new Prediction((int)l, score[i], classes[(int)l]))];
    }
}
