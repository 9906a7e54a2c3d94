namespace QQuant.Vision;

/// <summary>Options of <see cref="Resize"/> (<c>type: Resize</c>).</summary>
public sealed class ResizeOptions
{
    /// <summary>
    /// <c>[height, width]</c>, one number for a square (as mmcls: <c>size=224</c> gives 224x224), or <c>[n, -1]</c>
    /// to set the <see cref="AdaptiveSide"/> to n and keep the aspect ratio; required.
    /// </summary>
    public IReadOnlyList<int>? Size { get; set; }

    /// <summary>The resampling (<c>interpolation</c>, default bilinear).</summary>
    public Interpolation Interpolation { get; set; } = Interpolation.Bilinear;

    /// <summary>The side set to <c>size[0]</c> when the width is -1 (<c>adaptive_side</c>, default short).</summary>
    public AdaptiveSide AdaptiveSide { get; set; } = AdaptiveSide.Short;
}
