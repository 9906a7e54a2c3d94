namespace QQuant.Vision;

/// <summary>Options of <see cref="CenterCrop"/> (<c>type: CenterCrop</c>).</summary>
public sealed class CenterCropOptions
{
    /// <summary>One number (a square) or <c>[height, width]</c> (<c>crop_size</c>); required.</summary>
    public IReadOnlyList<int>? CropSize { get; set; }

    /// <summary>
    /// EfficientNet's crop (<c>efficientnet_style</c>): cut a square of <c>cropSize / (cropSize + cropPadding)</c>
    /// of the short side, then resize it to <c>cropSize</c>. Needs a single <c>cropSize</c>.
    /// </summary>
    public bool EfficientnetStyle { get; set; }

    /// <summary>The padding of the EfficientNet crop (<c>crop_padding</c>, default 32).</summary>
    public int CropPadding { get; set; } = 32;

    /// <summary>The resampling of the EfficientNet resize (<c>interpolation</c>, default bilinear).</summary>
    public Interpolation Interpolation { get; set; } = Interpolation.Bilinear;
}
