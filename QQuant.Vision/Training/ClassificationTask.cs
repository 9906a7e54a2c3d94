using QQuant.Training;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// Image classification for <see cref="Trainer{TBatch}"/>: batches from a <see cref="DataLoader"/>, logits from an
/// <see cref="ImageClassifier"/>, the head's loss, and the batch's top-k accuracies logged as <c>top-1</c>, <c>top-5</c>
/// (percent, on the augmented training batch, as the reference's training log shows them).
/// </summary>
public sealed class ClassificationTask : ITrainingTask<Batch>
{
    private readonly ImageClassifier _model;
    private readonly DataLoader _loader;

    /// <summary>Trains <paramref name="model"/> on the batches of <paramref name="loader"/>.</summary>
    public ClassificationTask(ImageClassifier model, DataLoader loader)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _loader = loader ?? throw new ArgumentNullException(nameof(loader));
    }

    /// <inheritdoc />
    public nn.Module Model => _model;

    /// <inheritdoc />
    public int IterationsPerEpoch => _loader.BatchesPerEpoch;

    /// <inheritdoc />
    public IEnumerable<Batch> Batches(int epoch) => _loader.Epoch(epoch);

    /// <inheritdoc />
    public StepOutput Forward(Batch batch)
    {
        Tensor logits = _model.call(batch.Images);
        Tensor loss = _model.Loss(logits, batch.Labels);
        IReadOnlyDictionary<string, double> accuracy = _model.Accuracy(logits, batch.Labels);
        return new StepOutput(loss, batch.Count, [.. accuracy.Select(a => KeyValuePair.Create(a.Key.Replace("accuracy_", "", StringComparison.Ordinal), a.Value))]);
    }
}
