using QQuant.Vision;
using static QQuant.Tests.Vision.Transforms.TransformTestSupport;

namespace QQuant.Tests.Vision.Transforms;

public class RandomResizedCropTests
{
    private static RandomResizedCrop Create(Action<RandomResizedCropOptions>? configure = null)
    {
        var options = new RandomResizedCropOptions { Size = [224] };
        configure?.Invoke(options);
        return new RandomResizedCrop(options);
    }

    [Fact]
    public void The_output_always_has_the_requested_size()
    {
        var crop = Create(o => o.Size = [24, 32]);
        var random = new Random(3);
        for (int i = 0; i < 30; i++)
        {
            using Sample sample = crop.Apply(RgbSample(50, 70, Code), random);
            Assert.Equal((24, 32), (sample.Image!.Height, sample.Image.Width));
            Assert.Equal([24, 32, 3], (int[])sample.Meta[MetaKeys.ImageShape]);
        }
    }

    [Fact]
    public void Area_and_aspect_ratio_stay_in_scale_and_ratio_and_spread_over_them()
    {
        var crop = Create();
        var random = new Random(42);
        var fractions = new List<double>();
        var logRatios = new List<double>();
        for (int i = 0; i < 4000; i++)
        {
            (int top, int left, int height, int width) = crop.Region(400, 400, random);
            Assert.InRange(top, 0, 400 - height);
            Assert.InRange(left, 0, 400 - width);
            fractions.Add(height * width / 160000.0);
            logRatios.Add(Math.Log((double)width / height));
        }

        // Rounding to whole pixels moves the smallest crops (about 98 px a side) by under 1%.
        Assert.InRange(fractions.Min(), 0.08 * 0.99, 0.09);
        Assert.InRange(fractions.Max(), 0.97, 1.0);
        Assert.InRange(logRatios.Min(), Math.Log(0.75) - 0.01, Math.Log(0.75) + 0.02);
        Assert.InRange(logRatios.Max(), Math.Log(4.0 / 3) - 0.02, Math.Log(4.0 / 3) + 0.01);
        // Uniform area in [0.08, 1] has mean 0.54; crops that do not fit (large area, extreme ratio) are redrawn,
        // pulling it a little lower. The log-ratio is symmetric around 0.
        Assert.InRange(fractions.Average(), 0.45, 0.56);
        Assert.InRange(logRatios.Average(), -0.02, 0.02);
    }

    [Theory]
    [InlineData(100, 400, 0, 133, 100, 133)] // too wide: width = round(100 · 4/3) = 133, centred
    [InlineData(400, 100, 133, 0, 133, 100)] // too tall: height = round(100 / (3/4)) = 133
    [InlineData(100, 120, 0, 0, 100, 120)] // ratio 1.2 is allowed: the whole image
    public void Without_attempts_it_falls_back_to_the_central_crop_with_the_ratio_clamped(
        int height, int width, int top, int left, int cropHeight, int cropWidth)
    {
        var crop = Create(o => o.MaxAttempts = 0);
        Assert.Equal((top, left, cropHeight, cropWidth), crop.Region(height, width, new Random(0)));
    }

    [Fact]
    public void The_efficientnet_fallback_is_the_padded_centre_crop()
    {
        var crop = Create(o => { o.EfficientnetStyle = true; o.MaxAttempts = 0; });
        // 224 / (224 + 32) · 256 = 224, centred: round((256 − 224) / 2) = 16, round((320 − 224) / 2) = 48.
        Assert.Equal((16, 48, 224, 224), crop.Region(256, 320, new Random(0)));
    }

    [Fact]
    public void Efficientnet_crops_respect_scale_ratio_and_min_covered()
    {
        var crop = Create(o => { o.EfficientnetStyle = true; o.Scale = [0.2, 0.9]; });
        var random = new Random(8);
        for (int i = 0; i < 500; i++)
        {
            (int top, int left, int height, int width) = crop.Region(300, 300, random);
            double fraction = height * width / 90000.0;
            bool fallback = (top, left, height, width) == (19, 19, 262, 262);
            Assert.True(fallback || fraction is >= 0.2 and <= 0.9, $"area fraction {fraction}");
            Assert.True(fallback || (double)width / height is >= 0.74 and <= 1.35, $"ratio {width}/{height}");
            Assert.InRange(top + height, 1, 300);
            Assert.InRange(left + width, 1, 300);
        }
    }

    [Fact]
    public void The_same_seed_gives_identical_pixels_and_other_seeds_other_crops()
    {
        var crop = Create(o => o.Size = [8]);
        float[] Run(int seed)
        {
            using Sample sample = crop.Apply(RgbSample(8, 8, Code), new Random(seed));
            return PixelsOf(sample).Data;
        }

        Assert.Equal(Run(7), Run(7));
        float[][] others = Enumerable.Range(100, 5).Select(Run).ToArray();
        Assert.Contains(others, o => !o.SequenceEqual(Run(7)));
    }

    [Theory]
    [InlineData("scale")]
    [InlineData("ratio")]
    [InlineData("maxAttempts")]
    [InlineData("size")]
    public void Bad_options_are_rejected_naming_the_option(string key)
    {
        var e = Assert.Throws<ArgumentException>(() => Create(o =>
        {
            switch (key)
            {
                case "scale": o.Scale = [1, 0.5]; break;
                case "ratio": o.Ratio = [0, 1]; break;
                case "maxAttempts": o.MaxAttempts = -1; break;
                default: o.Size = [224, 224]; o.EfficientnetStyle = true; break;
            }
        }));
        Assert.StartsWith(key, e.Message);
    }
}
