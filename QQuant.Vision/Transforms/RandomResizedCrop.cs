namespace QQuant.Vision;

/// <summary>
/// Cuts a random crop and resizes it to <c>size</c>, with mmcls's algorithm: up to <c>maxAttempts</c> times draw an
/// area fraction uniform in <c>scale</c> and an aspect ratio (width / height) log-uniform in <c>ratio</c>, and take the
/// first crop that fits at a uniform position; otherwise fall back to the central crop with the ratio clamped into
/// <c>ratio</c>. <see cref="RandomResizedCropOptions.EfficientnetStyle"/> switches to the EfficientNet variant.
/// </summary>
public sealed class RandomResizedCrop : ITransform
{
    private readonly int _height;
    private readonly int _width;
    private readonly RandomResizedCropOptions _options;

    /// <summary>Creates the step.</summary>
    public RandomResizedCrop(RandomResizedCropOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        (_height, _width) = SizeOption.Parse(options.Size, "size");
        CheckRange(options.Scale, "scale");
        CheckRange(options.Ratio, "ratio");
        if (options.MaxAttempts < 0)
        {
            throw new ArgumentException($"maxAttempts must be 0 or more, got {options.MaxAttempts}.");
        }

        if (options.EfficientnetStyle && options.Size!.Count != 1)
        {
            throw new ArgumentException($"size must be a single number with efficientnetStyle, got {SizeOption.Describe(options.Size)}.");
        }

        if (!(options.MinCovered >= 0 && options.MinCovered <= 1))
        {
            throw new ArgumentException($"minCovered must be between 0 and 1, got {options.MinCovered}.");
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

    /// <summary>The crop (top, left, height, width) drawn from <paramref name="random"/> for an image of this size.</summary>
    public (int Top, int Left, int Height, int Width) Region(int height, int width, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return _options.EfficientnetStyle ? EfficientNetRegion(height, width, random) : DefaultRegion(height, width, random);
    }

    /// <inheritdoc />
    public Sample Apply(Sample sample, Random random)
    {
        SampleImages.RequireImage(sample, nameof(RandomResizedCrop));
        int[] shape = SampleImages.Shape(sample);
        (int top, int left, int height, int width) = Region(shape[0], shape[1], random);
        Resampling.Crop(sample, nameof(RandomResizedCrop), top, left, height, width);
        Resampling.Resize(sample, nameof(RandomResizedCrop), _height, _width, _options.Interpolation);
        SampleImages.RecordShape(sample);
        return sample;
    }

    private (int, int, int, int) DefaultRegion(int height, int width, Random random)
    {
        double area = (double)height * width;
        double logMin = Math.Log(_options.Ratio[0]);
        double logMax = Math.Log(_options.Ratio[1]);
        for (int attempt = 0; attempt < _options.MaxAttempts; attempt++)
        {
            double targetArea = Uniform(random, _options.Scale[0], _options.Scale[1]) * area;
            double aspect = Math.Exp(Uniform(random, logMin, logMax));
            int cropWidth = (int)Math.Round(Math.Sqrt(targetArea * aspect));
            int cropHeight = (int)Math.Round(Math.Sqrt(targetArea / aspect));
            if (cropWidth > 0 && cropWidth <= width && cropHeight > 0 && cropHeight <= height)
            {
                int top = random.Next(0, height - cropHeight + 1);
                int left = random.Next(0, width - cropWidth + 1);
                return (top, left, cropHeight, cropWidth);
            }
        }

        double inRatio = (double)width / height;
        int fallbackWidth = width;
        int fallbackHeight = height;
        if (inRatio < _options.Ratio[0])
        {
            fallbackHeight = (int)Math.Round(width / _options.Ratio[0]);
        }
        else if (inRatio > _options.Ratio[1])
        {
            fallbackWidth = (int)Math.Round(height * _options.Ratio[1]);
        }

        fallbackHeight = Math.Clamp(fallbackHeight, 1, height);
        fallbackWidth = Math.Clamp(fallbackWidth, 1, width);
        return ((height - fallbackHeight) / 2, (width - fallbackWidth) / 2, fallbackHeight, fallbackWidth);
    }

    private (int, int, int, int) EfficientNetRegion(int height, int width, Random random)
    {
        double area = (double)height * width;
        double minArea = _options.Scale[0] * area;
        double maxArea = _options.Scale[1] * area;
        for (int attempt = 0; attempt < _options.MaxAttempts; attempt++)
        {
            double aspect = Uniform(random, _options.Ratio[0], _options.Ratio[1]);
            int minHeight = (int)Math.Round(Math.Sqrt(minArea / aspect));
            int maxHeight = (int)Math.Round(Math.Sqrt(maxArea / aspect));
            if (maxHeight * aspect > width)
            {
                maxHeight = (int)((width + 0.5 - 1e-7) / aspect);
                if (maxHeight * aspect > width)
                {
                    maxHeight--;
                }
            }

            maxHeight = Math.Min(maxHeight, height);
            minHeight = Math.Min(maxHeight, minHeight);
            int cropHeight = (int)Math.Round(Uniform(random, minHeight, maxHeight));
            int cropWidth = (int)Math.Round(cropHeight * aspect);
            double cropArea = (double)cropHeight * cropWidth;
            if (cropArea < minArea || cropArea > maxArea || cropWidth > width || cropHeight > height
                || cropArea < _options.MinCovered * area || cropHeight <= 0 || cropWidth <= 0)
            {
                continue;
            }

            int top = random.Next(0, Math.Max(0, height - cropHeight) + 1);
            int left = random.Next(0, Math.Max(0, width - cropWidth) + 1);
            return (top, left, cropHeight, cropWidth);
        }

        // mmcv crops up to the inclusive corner int(offset + crop − 1), so the fractional crop side is truncated.
        double cropSize = _height / (double)(_height + _options.CropPadding) * Math.Min(height, width);
        int fallbackTop = Math.Max(0, (int)Math.Round((height - cropSize) / 2));
        int fallbackLeft = Math.Max(0, (int)Math.Round((width - cropSize) / 2));
        int side = Math.Max(1, (int)cropSize);
        return (fallbackTop, fallbackLeft, Math.Min(side, height - fallbackTop), Math.Min(side, width - fallbackLeft));
    }

    private static double Uniform(Random random, double low, double high) => low + (high - low) * random.NextDouble();

    private static void CheckRange(IReadOnlyList<double>? range, string key)
    {
        if (range is null || range.Count != 2 || !(range[0] > 0) || !(range[0] <= range[1]) || double.IsInfinity(range[1]))
        {
            throw new ArgumentException(
                $"{key} must be [min, max] with 0 < min <= max, got {SizeOption.Describe(range)}.");
        }
    }
}
