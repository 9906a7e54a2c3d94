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

        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        long count = logits.shape[0];
        if (count == 0)
        {
            foreach (int k in topK)
            {
                result[$"accuracy_top-{k}"] = 0;
            }

            return result;
        }

        using var scope = NewDisposeScope();
        int largest = topK.Max();
        Tensor predicted = logits.detach().topk(Math.Min(largest, (int)logits.shape[1]), dim: 1).indexes;
        Tensor hits = predicted.eq(labels.unsqueeze(1).to(predicted.dtype));
        foreach (int k in topK)
        {
            long correct = hits.narrow(1, 0, Math.Min(k, (int)hits.shape[1])).any(1).sum().item<long>();
            result[$"accuracy_top-{k}"] = 100.0 * correct / count;
        }

        return result;
    }
}
