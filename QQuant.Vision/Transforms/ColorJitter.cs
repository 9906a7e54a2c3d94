namespace QQuant.Vision;

/// <summary>
/// Changes brightness, contrast and saturation by random factors, in a random order, as mmcls: each factor is
/// <c>1 ± u</c> with <c>u</c> uniform in [0, x] and the sign a coin flip (so uniform in [1 − x, 1 + x]), cut at 0.
/// With mmcv's formulas on 0..255 values: brightness <c>v·f</c>; contrast blends with the mean grey level
/// (<c>round(mean(0.299R + 0.587G + 0.114B))</c>); saturation blends with each pixel's grey level (grey images
/// are left alone). Results are clipped to 0..255.
/// </summary>
public sealed class ColorJitter : ITransform
{
    private readonly ColorJitterOptions _options;

    /// <summary>Creates the step.</summary>
    public ColorJitter(ColorJitterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Check(options.Brightness, "brightness");
        Check(options.Contrast, "contrast");
        Check(options.Saturation, "saturation");
        _options = options;
    }

    /// <inheritdoc />
    public Sample Apply(Sample sample, Random random)
    {
        var image = SampleImages.RequireImage(sample, nameof(ColorJitter));
        int channels = SampleImages.Channels(image);
        byte[] pixels = SampleImages.ToBytes(image);

        double brightness = random.NextDouble() * _options.Brightness;
        double contrast = random.NextDouble() * _options.Contrast;
        double saturation = random.NextDouble() * _options.Saturation;
        var steps = new (int Kind, double Magnitude)[] { (0, brightness), (1, contrast), (2, saturation) };
        random.Shuffle(steps);
        foreach ((int kind, double magnitude) in steps)
        {
            double factor = Math.Max(0, 1 + (random.NextDouble() < 0.5 ? -magnitude : magnitude));
            switch (kind)
            {
                case 0:
                    Blend(pixels, factor, _ => 0);
                    break;
                case 1:
                    double mean = Math.Round(Grey(pixels, channels).Average(g => (double)g));
                    Blend(pixels, factor, _ => mean);
                    break;
                default:
                    if (channels == 3)
                    {
                        byte[] grey = Grey(pixels, channels);
                        Blend(pixels, factor, i => grey[i / 3]);
                    }

                    break;
            }
        }

        sample.ReplaceImage(SampleImages.FromBytes(pixels, image.Height, image.Width, channels));
        return sample;
    }

    // v·f + degenerate·(1 − f), clipped; truncated like mmcv's astype(uint8) after np.clip.
    private static void Blend(byte[] pixels, double factor, Func<int, double> degenerate)
    {
        for (int i = 0; i < pixels.Length; i++)
        {
            double value = pixels[i] * factor + degenerate(i) * (1 - factor);
            pixels[i] = (byte)Math.Clamp(value, 0, 255);
        }
    }

    private static byte[] Grey(byte[] pixels, int channels)
    {
        if (channels == 1)
        {
            return pixels;
        }

        var grey = new byte[pixels.Length / 3];
        for (int i = 0; i < grey.Length; i++)
        {
            grey[i] = (byte)Math.Round(0.299 * pixels[3 * i] + 0.587 * pixels[3 * i + 1] + 0.114 * pixels[3 * i + 2]);
        }

        return grey;
    }

    private static void Check(double value, string key)
    {
        if (!(value >= 0) || double.IsInfinity(value))
        {
            throw new ArgumentException($"{key} must be a finite number of 0 or more, got {value}.");
        }
    }
}
