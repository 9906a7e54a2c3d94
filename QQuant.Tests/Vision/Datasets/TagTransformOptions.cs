namespace QQuant.Tests.Vision.Datasets;

/// <summary>Options of <see cref="TagTransform"/>.</summary>
public sealed class TagTransformOptions
{
    public string Tag { get; set; } = "";
}
