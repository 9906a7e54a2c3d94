namespace QQuant.Vision;

/// <summary>Options of <see cref="Collect"/> (<c>type: Collect</c>).</summary>
public sealed class CollectOptions
{
    /// <summary>The fields kept (<c>keys</c>: <c>img</c>, <c>gt_label</c>); required.</summary>
    public IReadOnlyList<string>? Keys { get; set; }

    /// <summary>
    /// The meta entries kept (<c>meta_keys</c>); unset keeps mmcls's defaults (<see cref="MetaKeys.CollectDefaults"/>),
    /// an empty list drops all meta as the reference does.
    /// </summary>
    public IReadOnlyList<string>? MetaKeys { get; set; }
}
