using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>Top-k accuracy in percent, as the reference's <c>accuracy</c> computes it.</summary>
public static class TopKAccuracy
{
    /// <summary>
    /// For each k in <paramref name="topK"/>, 100 × the fraction of rows of <paramref name="logits"/> whose label is
    /// among the k largest values, under the key <c>accuracy_top-k</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, double> Compute(Tensor logits, Tensor labels, IReadOnlyList<int> topK)
    {
        if (logits.dim() != 2 || labels.dim() != 1 || labels.shape[0] != logits.shape[0])
        {
            throw new ArgumentException(
                $"Accuracy takes logits [N, classes] and labels [N], got [{string.Join(", ", logits.shape)}] and [{string.Join(", ", labels.shape)}].");
        }

        long count = logits.shape[0];
        long[] correct = Correct(logits, labels, topK);
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int i = 0; i < topK.Count; i++)
        {
            result[$"accuracy_top-{topK[i]}"] = count == 0 ? 0 : 100.0 * correct[i] / count;
        }

        return result;
    }

    /// <summary>
    /// For each k in <paramref name="topK"/>, how many rows of <paramref name="logits"/> <c>[N, classes]</c> have their
    /// label (<paramref name="labels"/> <c>[N]</c>) among the k largest values.
    /// </summary>
    public static long[] Correct(Tensor logits, Tensor labels, IReadOnlyList<int> topK)
    {
        if (logits.shape[0] == 0)
        {
            return new long[topK.Count];
        }

        using var scope = NewDisposeScope();
        int largest = Math.Min(topK.Max(), (int)logits.shape[1]);
        Tensor predicted = logits.detach().topk(largest, dim: 1).indexes;
        Tensor hits = predicted.eq(labels.unsqueeze(1).to(predicted.dtype));
        return [.. topK.Select(k => hits.narrow(1, 0, Math.Min(k, largest)).any(1).sum().item<long>())];
    }
}
