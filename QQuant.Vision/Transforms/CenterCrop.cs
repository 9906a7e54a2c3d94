namespace QQuant.Vision;

/// <summary>
/// Cuts the centre <c>cropSize</c> out of the image, as mmcls: the top-left corner is
/// <c>round((side − crop) / 2)</c> (ties to even, like Python), and a crop larger than the image keeps the whole
/// side (no padding). With <c>efficientnetStyle</c> the crop is a fraction of the short side, resized to <c>cropSize</c>.
/// </summary>
public sealed class CenterCrop : ITransform
{
    private readonly int _height;
    private readonly int _width;
    private readonly CenterCropOptions _options;

    /// <summary>Creates the step.</summary>
    public CenterCrop(CenterCropOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        (_height, _width) = SizeOption.Parse(options.CropSize, "cropSize");
        if (options.EfficientnetStyle && options.CropSize!.Count != 1)
        {
            throw new ArgumentException(
                $"cropSize must be a single number with efficientnetStyle, got {SizeOption.Describe(options.CropSize)}.");
        }

        if (options.CropPadding < 0)
        {
            throw new ArgumentException($"cropPadding must be 0 or more, got {options.CropPadding}.");
        }

        if (!Enum.IsDefined(options.Interpolation))
        {
            throw new ArgumentException($"interpolation has an unknown value {options.Interpolation}.");
        }

        _options = options;
    }

    /// <summary>The rectangle cut from an image of <paramref name="height"/> x <paramref name="width"/>.</summary>
    public (int Top, int Left, int Height, int Width) Region(int height, int width)
    {
        double cropHeight = _height;
        double cropWidth = _width;
        if (_options.EfficientnetStyle)
        {
            int shortSide = Math.Min(height, width);
            cropHeight = _height / (double)(_height + _options.CropPadding) * shortSide;
            cropWidth = _width / (double)(_width + _options.CropPadding) * shortSide;
        }

        int top = Math.Max(0, (int)Math.Round((height - cropHeight) / 2));
        int left = Math.Max(0, (int)Math.Round((width - cropWidth) / 2));
        // mmcv crops up to the inclusive corner int(top + crop − 1), so a fractional crop is truncated.
        int bottom = (int)Math.Min(height, top + cropHeight);
        int right = (int)Math.Min(width, left + cropWidth);
        return (top, left, Math.Max(1, bottom - top), Math.Max(1, right - left));
    }

    /// <inheritdoc />
    public Sample Apply(Sample sample, Random random)
    {
        int[] shape = SampleImages.Shape(sample);
        (int top, int left, int height, int width) = Region(shape[0], shape[1]);
        Resampling.Crop(sample, nameof(CenterCrop), top, left, height, width);
        if (_options.EfficientnetStyle)
        {
            Resampling.Resize(sample, nameof(CenterCrop), _height, _width, _options.Interpolation);
        }

        SampleImages.RecordShape(sample);
        return sample;
    }
}
