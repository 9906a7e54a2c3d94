namespace QQuant.Vision;

/// <summary>Options of <see cref="RandomResizedCrop"/> (<c>type: RandomResizedCrop</c>).</summary>
public sealed class RandomResizedCropOptions
{
    /// <summary>The output, one number (a square) or <c>[height, width]</c> (<c>size</c>); required.</summary>
    public IReadOnlyList<int>? Size { get; set; }

    /// <summary>The range of the crop's area as a fraction of the image's, <c>[min, max]</c> (<c>scale</c>, default [0.08, 1]).</summary>
    public IReadOnlyList<double> Scale { get; set; } = [0.08, 1.0];

    /// <summary>The range of the crop's width / height, <c>[min, max]</c> (<c>ratio</c>, default [3/4, 4/3]).</summary>
    public IReadOnlyList<double> Ratio { get; set; } = [3.0 / 4.0, 4.0 / 3.0];

    /// <summary>How many random crops are tried before the central fallback (<c>max_attempts</c>, default 10).</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>
    /// EfficientNet's sampling (<c>efficientnet_style</c>): the ratio is uniform, the height is drawn between the
    /// heights of the smallest and largest allowed areas, and the fallback is the centre crop of
    /// <c>size / (size + cropPadding)</c> of the short side. Needs a single <c>size</c>.
    /// </summary>
    public bool EfficientnetStyle { get; set; }

    /// <summary>The smallest area fraction an EfficientNet-style crop may cover (<c>min_covered</c>, default 0.1).</summary>
    public double MinCovered { get; set; } = 0.1;

    /// <summary>The padding of the EfficientNet-style fallback crop (<c>crop_padding</c>, default 32).</summary>
    public int CropPadding { get; set; } = 32;

    /// <summary>The resampling (<c>interpolation</c>, default bilinear).</summary>
    public Interpolation Interpolation { get; set; } = Interpolation.Bilinear;
}
