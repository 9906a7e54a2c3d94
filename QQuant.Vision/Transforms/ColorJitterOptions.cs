namespace QQuant.Vision;

/// <summary>Options of <see cref="ColorJitter"/> (<c>type: ColorJitter</c>); 0 leaves that property alone.</summary>
public sealed class ColorJitterOptions
{
    /// <summary>Brightness factors are drawn from [max(0, 1 − b), 1 + b] (<c>brightness</c>, 0 or more).</summary>
    public double Brightness { get; set; }

    /// <summary>Contrast factors are drawn from [max(0, 1 − c), 1 + c] (<c>contrast</c>, 0 or more).</summary>
    public double Contrast { get; set; }

    /// <summary>Saturation factors are drawn from [max(0, 1 − s), 1 + s] (<c>saturation</c>, 0 or more).</summary>
    public double Saturation { get; set; }
}
