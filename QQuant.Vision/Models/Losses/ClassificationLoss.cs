using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>A loss from logits <c>[N, classes]</c> and integer labels <c>[N]</c> to a scalar, owned by a head.</summary>
public abstract class ClassificationLoss : nn.Module<Tensor, Tensor, Tensor>
{
    /// <summary>Creates the loss under <paramref name="name"/> with its weight.</summary>
    protected ClassificationLoss(string name, double lossWeight) : base(name)
    {
        if (!double.IsFinite(lossWeight) || lossWeight < 0)
        {
            throw new ArgumentException($"lossWeight must be a finite number >= 0, got {lossWeight}.");
        }

        LossWeight = lossWeight;
    }

    /// <summary>The factor the loss is multiplied by (<c>loss_weight</c>).</summary>
    public double LossWeight { get; }

    /// <summary>Checks that <paramref name="logits"/> and <paramref name="labels"/> fit each other.</summary>
    protected static void CheckShapes(Tensor logits, Tensor labels)
    {
        if (logits.dim() != 2 || labels.dim() != 1 || labels.shape[0] != logits.shape[0])
        {
            throw new ArgumentException(
                $"A classification loss takes logits [N, classes] and labels [N], got [{string.Join(", ", logits.shape)}] "
                + $"and [{string.Join(", ", labels.shape)}].");
        }
    }
}
