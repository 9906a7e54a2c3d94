namespace QQuant.Vision;

/// <summary>The axis <see cref="RandomFlip"/> mirrors (<c>direction</c>).</summary>
public enum FlipDirection
{
    /// <summary>Left and right swap.</summary>
    Horizontal,

    /// <summary>Top and bottom swap.</summary>
    Vertical,
}
