namespace QQuant.Vision;

/// <summary>Options of <see cref="CrossEntropyLoss"/> (<c>type: CrossEntropyLoss</c>).</summary>
public sealed class CrossEntropyLossOptions
{
    /// <summary>The factor the loss is multiplied by (<c>loss_weight</c>, default 1).</summary>
    public double LossWeight { get; set; } = 1.0;
}

/// <summary>Options of <see cref="LabelSmoothLoss"/> (<c>type: LabelSmoothLoss</c>).</summary>
public sealed class LabelSmoothLossOptions
{
    /// <summary>The probability mass spread over all classes (<c>label_smooth_val</c>), in [0, 1).</summary>
    public double LabelSmoothVal { get; set; } = 0.1;

    /// <summary>The number of classes; when unset, taken from the logits.</summary>
    public int? NumClasses { get; set; }

    /// <summary>The factor the loss is multiplied by (<c>loss_weight</c>, default 1).</summary>
    public double LossWeight { get; set; } = 1.0;
}
