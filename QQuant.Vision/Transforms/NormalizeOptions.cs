namespace QQuant.Vision;

/// <summary>Options of <see cref="Normalize"/> (<c>type: Normalize</c>).</summary>
public sealed class NormalizeOptions
{
    /// <summary>Subtracted per output channel, on 0..255 values (<c>mean</c>); required, one per channel.</summary>
    public IReadOnlyList<double>? Mean { get; set; }

    /// <summary>Divides each output channel (<c>std</c>); required, one per channel, none zero.</summary>
    public IReadOnlyList<double>? Std { get; set; }

    /// <summary>
    /// True: the output is RGB (the reference's <c>to_rgb=True</c>, what its ImageNet configs use). False: a colour
    /// output is BGR, the order the reference's OpenCV images keep with <c>to_rgb=False</c>. Default true.
    /// </summary>
    public bool ToRgb { get; set; } = true;
}
