namespace QQuant.Vision;

/// <summary>Which side <see cref="Resize"/> sets to <c>size[0]</c> when the size is <c>[n, -1]</c> (<c>adaptive_side</c>).</summary>
public enum AdaptiveSide
{
    /// <summary>The shorter side (the reference's test pipelines: <c>size=(256, -1)</c>).</summary>
    Short,

    /// <summary>The longer side.</summary>
    Long,

    /// <summary>The height, whichever side is shorter.</summary>
    Height,

    /// <summary>The width, whichever side is shorter.</summary>
    Width,
}
