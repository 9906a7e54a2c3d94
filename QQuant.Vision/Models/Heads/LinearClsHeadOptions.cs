namespace QQuant.Vision;

/// <summary>Options of <see cref="LinearClsHead"/> (<c>type: LinearClsHead</c>).</summary>
public sealed class LinearClsHeadOptions
{
    /// <summary>The number of classes (<c>num_classes</c>); required.</summary>
    public int NumClasses { get; set; }

    /// <summary>The feature width the head receives (<c>in_channels</c>); required.</summary>
    public int InChannels { get; set; }

    /// <summary>The loss; cross-entropy with weight 1 when unset.</summary>
    public ClassificationLoss? Loss { get; set; }

    /// <summary>The k of each top-k accuracy (<c>topk</c>, default [1]; the ImageNet configs use [1, 5]).</summary>
    public IReadOnlyList<int> TopK { get; set; } = [1];

    /// <summary>Dropout probability before the linear layer (<c>drop_out_ratio</c>), or null for none.</summary>
    [ReferenceKey("drop_out_ratio", "dropout")]
    public double? DropOutRatio { get; set; }
}
