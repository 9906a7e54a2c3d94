using QQuant.Distributed;
using QQuant.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// Top-k accuracy of an <see cref="ImageClassifier"/> over a whole split (the reference's EvalHook with
/// <c>metric: accuracy</c>): a sample counts for k when its label (the dataset's, whatever the pipeline collects) is
/// among the k highest scores; results are <c>accuracy_top-k</c> in percent over every sample.
/// </summary>
public sealed class ClassifierEvaluator : IEvaluator
{
    private readonly DataLoader _loader;
    private readonly IReadOnlyList<int> _topK;

    /// <summary>Evaluates on <paramref name="loader"/>'s batches (epoch 0, so the order is fixed) for each k of <paramref name="topK"/>.</summary>
    public ClassifierEvaluator(DataLoader loader, IReadOnlyList<int> topK)
    {
        _loader = loader ?? throw new ArgumentNullException(nameof(loader));
        ArgumentNullException.ThrowIfNull(topK);
        if (topK.Count == 0 || topK.Any(k => k < 1))
        {
            throw new TrainingConfigException("evaluation:topk", $"must list positive k, got [{string.Join(", ", topK)}].");
        }

        _topK = topK;
    }

    /// <inheritdoc />
    public int Batches => _loader.BatchesPerEpoch;

    /// <summary>
    /// The processes that evaluate together, each on its shard of the split (a <see cref="DataShard"/> without
    /// padding): their counts are summed, so the metrics are over the whole split, each sample once.
    /// </summary>
    public IProcessGroup Group { get; init; } = SingleProcessGroup.Instance;

    /// <summary>Called with each batch's logits (for example to keep predictions), or null.</summary>
    public Action<Tensor>? OnBatch { get; init; }

    /// <summary>The number of samples evaluated.</summary>
    public int Samples => _loader.Dataset.Count;

    /// <inheritdoc />
    public IReadOnlyList<KeyValuePair<string, double>> Evaluate(nn.Module model, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model is not nn.Module<Tensor, Tensor> classifier)
        {
            throw new ArgumentException($"The evaluator needs a module from images to logits, got {model.GetType().Name}.", nameof(model));
        }

        var correct = new long[_topK.Count];
        long count = 0;
        int done = 0;
        model.eval();
        using (no_grad())
        {
            foreach (Batch batch in _loader.Epoch(0))
            {
                using (batch)
                using (NewDisposeScope())
                {
                    Tensor logits = classifier.call(batch.Images);
                    OnBatch?.Invoke(logits);
                    // Ground truth comes from the dataset, as the reference's evaluate does: a test pipeline need not collect labels.
                    Tensor labels = tensor(batch.Indices.Select(i => (long)_loader.Dataset.LabelOf(i)).ToArray(), device: logits.device);
                    long[] hits = TopKAccuracy.Correct(logits, labels, _topK);
                    for (int i = 0; i < _topK.Count; i++)
                    {
                        correct[i] += hits[i];
                    }

                    count += batch.Count;
                }

                progress?.Report(++done);
            }
        }

        double[] sums = [.. correct.Select(c => (double)c), count];
        Group.AllReduceSum(sums);
        double total = sums[^1];
        return [.. _topK.Select((k, i) => KeyValuePair.Create($"accuracy_top-{k}", total == 0 ? 0 : 100.0 * sums[i] / total))];
    }
}
