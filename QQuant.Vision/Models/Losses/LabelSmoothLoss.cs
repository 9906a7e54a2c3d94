using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// Cross-entropy against smoothed targets: the true class gets <c>1 − ε + ε/K</c> and every class <c>ε/K</c>
/// (ε = <c>labelSmoothVal</c>, K classes), averaged over the batch.
/// </summary>
public sealed class LabelSmoothLoss : ClassificationLoss
{
    /// <summary>Creates the loss.</summary>
    public LabelSmoothLoss(LabelSmoothLossOptions? options = null)
        : base(nameof(LabelSmoothLoss), (options ??= new LabelSmoothLossOptions()).LossWeight)
    {
        if (!(options.LabelSmoothVal >= 0 && options.LabelSmoothVal < 1))
        {
            throw new ArgumentException($"labelSmoothVal must be in [0, 1), got {options.LabelSmoothVal}.");
        }

        if (options.NumClasses is <= 0)
        {
            throw new ArgumentException($"numClasses must be positive, got {options.NumClasses}.");
        }

        Smoothing = options.LabelSmoothVal;
        NumClasses = options.NumClasses;
    }

    /// <summary>ε, the mass spread over all classes.</summary>
    public double Smoothing { get; }

    /// <summary>The expected number of classes, or null to accept the logits' width.</summary>
    public int? NumClasses { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor logits, Tensor labels)
    {
        CheckShapes(logits, labels);
        long classes = logits.shape[1];
        if (NumClasses is { } expected && expected != classes)
        {
            throw new ArgumentException($"LabelSmoothLoss was set up for {expected} classes, the logits have {classes}.");
        }

        using Tensor logProbabilities = nn.functional.log_softmax(logits, 1);
        using Tensor targets = full_like(logProbabilities, Smoothing / classes);
        using Tensor index = labels.unsqueeze(1);
        targets.scatter_(1, index, full_like(index, 1.0 - Smoothing + Smoothing / classes, dtype: targets.dtype));
        return (-(targets * logProbabilities).sum(1)).mean() * LossWeight;
    }
}
