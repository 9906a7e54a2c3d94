namespace QQuant.Vision;

/// <summary>Options of <see cref="ToTensor"/> (<c>type: ToTensor</c>).</summary>
public sealed class ToTensorOptions
{
    /// <summary>The keys that must be ready for batching (<c>keys</c>: <c>img</c>, <c>gt_label</c>); required.</summary>
    public IReadOnlyList<string>? Keys { get; set; }
}
