namespace QQuant.Vision;

/// <summary>
/// Pads (optionally) and cuts a crop of <c>size</c> at a uniformly random position, as mmcls (the CIFAR pipelines:
/// <c>RandomCrop(size=32, padding=4)</c>). Unlike mmcls, <c>padMode</c> applies to <c>padding</c> too, not only to
/// <c>padIfNeeded</c>. Works on the decoded image or on HWC float pixels.
/// </summary>
public sealed class RandomCrop : ITransform
{
    private readonly int _height;
    private readonly int _width;
    private readonly (int Left, int Top, int Right, int Bottom)? _padding;
    private readonly RandomCropOptions _options;

    /// <summary>Creates the step.</summary>
    public RandomCrop(RandomCropOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        (_height, _width) = SizeOption.Parse(options.Size, "size");
        if (options.Padding is { } padding)
        {
            if (padding.Count is not (1 or 2 or 4) || padding.Any(p => p < 0))
            {
                throw new ArgumentException(
                    $"padding must be one number, [leftRight, topBottom] or [left, top, right, bottom], none negative, got {SizeOption.Describe(padding)}.");
            }

            _padding = padding.Count switch
            {
                1 => (padding[0], padding[0], padding[0], padding[0]),
                2 => (padding[0], padding[1], padding[0], padding[1]),
                _ => (padding[0], padding[1], padding[2], padding[3]),
            };
        }

        if (options.PadVal is null || options.PadVal.Count is not (1 or 3) || options.PadVal.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException($"padVal must be one number or one per channel (3), got {SizeOption.Describe(options.PadVal)}.");
        }

        if (!Enum.IsDefined(options.PadMode))
        {
            throw new ArgumentException($"padMode must be constant, edge, reflect or symmetric, got {options.PadMode}.");
        }

        _options = options;
    }

    /// <inheritdoc />
    public Sample Apply(Sample sample, Random random)
    {
        if (_padding is { } padding)
        {
            Pad(sample, padding);
        }

        int[] shape = SampleImages.Shape(sample);
        if (_options.PadIfNeeded && shape[0] < _height)
        {
            int missing = _height - shape[0];
            Pad(sample, (0, missing, 0, missing));
        }

        shape = SampleImages.Shape(sample);
        if (_options.PadIfNeeded && shape[1] < _width)
        {
            int missing = _width - shape[1];
            Pad(sample, (missing, 0, missing, 0));
        }

        shape = SampleImages.Shape(sample);
        if (shape[0] < _height || shape[1] < _width)
        {
            throw new TransformException(
                $"RandomCrop of {_height}x{_width} does not fit {SampleImages.NameOf(sample)} of {shape[0]}x{shape[1]} "
                + "(after padding); add padding or set padIfNeeded = true.");
        }

        int top = shape[0] == _height ? 0 : random.Next(0, shape[0] - _height + 1);
        int left = shape[1] == _width ? 0 : random.Next(0, shape[1] - _width + 1);
        Resampling.Crop(sample, nameof(RandomCrop), top, left, _height, _width);
        SampleImages.RecordShape(sample);
        return sample;
    }

    private void Pad(Sample sample, (int Left, int Top, int Right, int Bottom) border)
    {
        if (sample.Image is { } image)
        {
            int channels = SampleImages.Channels(image);
            byte[] fill = Fill(channels, sample).Select(v => (byte)Math.Clamp(Math.Round(v), 0, 255)).ToArray();
            byte[] padded = HwcOps.Pad(SampleImages.ToBytes(image), image.Height, image.Width, channels, border, _options.PadMode, fill);
            sample.ReplaceImage(SampleImages.FromBytes(padded, image.Height + border.Top + border.Bottom,
                image.Width + border.Left + border.Right, channels));
            return;
        }

        PixelBuffer pixels = Resampling.HwcPixels(sample, nameof(RandomCrop));
        float[] floatFill = Fill(pixels.Channels, sample).Select(v => (float)v).ToArray();
        float[] data = HwcOps.Pad(pixels.Data, pixels.Height, pixels.Width, pixels.Channels, border, _options.PadMode, floatFill);
        sample.Pixels = new PixelBuffer(data, pixels.Channels, pixels.Height + border.Top + border.Bottom,
            pixels.Width + border.Left + border.Right, PixelLayout.Hwc);
    }

    private double[] Fill(int channels, Sample sample)
    {
        IReadOnlyList<double> padVal = _options.PadVal;
        if (padVal.Count == 1)
        {
            return Enumerable.Repeat(padVal[0], channels).ToArray();
        }

        if (padVal.Count != channels)
        {
            throw new TransformException(
                $"RandomCrop's padVal has {padVal.Count} values but {SampleImages.NameOf(sample)} has {channels} channel(s); give one value or one per channel.");
        }

        return padVal.ToArray();
    }
}
