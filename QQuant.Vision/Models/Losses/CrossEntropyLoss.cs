using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>Softmax cross-entropy averaged over the batch, times <see cref="ClassificationLoss.LossWeight"/>.</summary>
public sealed class CrossEntropyLoss : ClassificationLoss
{
    /// <summary>Creates the loss.</summary>
    public CrossEntropyLoss(CrossEntropyLossOptions? options = null)
        : base(nameof(CrossEntropyLoss), (options ?? new CrossEntropyLossOptions()).LossWeight)
    {
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor logits, Tensor labels)
    {
        CheckShapes(logits, labels);
        return nn.functional.cross_entropy(logits, labels) * LossWeight;
    }
}
