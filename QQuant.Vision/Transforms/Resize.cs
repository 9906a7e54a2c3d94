namespace QQuant.Vision;

/// <summary>
/// Resizes the image to <c>[height, width]</c>, or with <c>size: [n, -1]</c> sets one side to n and the other to
/// <c>floor(n · other / side)</c>, as mmcls does (the reference's test pipeline: short side 256). An image whose
/// chosen side is already n is left as it is.
/// </summary>
public sealed class Resize : ITransform
{
    private readonly int _height;
    private readonly int _width;
    private readonly ResizeOptions _options;

    /// <summary>Creates the step.</summary>
    public Resize(ResizeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        (_height, _width) = SizeOption.Parse(options.Size, "size", allowMinusOneWidth: true);
        if (!Enum.IsDefined(options.Interpolation) || !Enum.IsDefined(options.AdaptiveSide))
        {
            throw new ArgumentException($"interpolation or adaptiveSide has an unknown value ({options.Interpolation}, {options.AdaptiveSide}).");
        }

        _options = options;
    }

    /// <summary>The output size for an input of <paramref name="height"/> x <paramref name="width"/>.</summary>
    public (int Height, int Width) TargetSize(int height, int width)
    {
        if (_width != -1)
        {
            return (_height, _width);
        }

        int target = _height;
        bool setWidth = _options.AdaptiveSide switch
        {
            AdaptiveSide.Short => width < height,
            AdaptiveSide.Long => width > height,
            AdaptiveSide.Width => true,
            _ => false,
        };
        bool alreadyThere = _options.AdaptiveSide switch
        {
            AdaptiveSide.Short => Math.Min(height, width) == target,
            AdaptiveSide.Long => Math.Max(height, width) == target,
            AdaptiveSide.Height => height == target,
            _ => width == target,
        };
        if (alreadyThere)
        {
            return (height, width);
        }

        // Truncation like mmcls's int(); at least one pixel so a very thin image stays an image.
        return setWidth
            ? (Math.Max(1, (int)((long)target * height / width)), target)
            : (target, Math.Max(1, (int)((long)target * width / height)));
    }

    /// <inheritdoc />
    public Sample Apply(Sample sample, Random random)
    {
        var image = SampleImages.RequireImage(sample, nameof(Resize));
        (int height, int width) = TargetSize(image.Height, image.Width);
        Resampling.Resize(sample, nameof(Resize), height, width, _options.Interpolation);
        SampleImages.RecordShape(sample);
        return sample;
    }
}
