namespace QQuant.Vision;

/// <summary>Options of <see cref="RandomFlip"/> (<c>type: RandomFlip</c>).</summary>
public sealed class RandomFlipOptions
{
    /// <summary>The probability of flipping, 0..1 (<c>flip_prob</c>, default 0.5).</summary>
    public double FlipProb { get; set; } = 0.5;

    /// <summary>Horizontal or vertical (<c>direction</c>, default horizontal).</summary>
    public FlipDirection Direction { get; set; } = FlipDirection.Horizontal;
}
