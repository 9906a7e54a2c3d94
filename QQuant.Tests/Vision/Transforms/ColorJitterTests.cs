using QQuant.Vision;
using static QQuant.Tests.Vision.Transforms.TransformTestSupport;

namespace QQuant.Tests.Vision.Transforms;

public class ColorJitterTests
{
    private static ColorJitter Create(double brightness = 0, double contrast = 0, double saturation = 0) =>
        new(new ColorJitterOptions { Brightness = brightness, Contrast = contrast, Saturation = saturation });

    [Fact]
    public void Zero_jitter_leaves_the_image_exactly()
    {
        using Sample sample = Create().Apply(RgbSample(3, 3, Code), new Random(1));
        PixelBuffer pixels = PixelsOf(sample);
        Assert.Equal(Code(2, 1, 2), At(pixels, 2, 1, 2));
        Assert.Equal(Code(0, 2, 0), At(pixels, 0, 2, 0));
    }

    [Fact]
    public void Brightness_scales_by_a_factor_in_one_plus_minus_b()
    {
        var jitter = Create(brightness: 0.5);
        var values = new List<float>();
        for (int seed = 0; seed < 60; seed++)
        {
            using Sample sample = jitter.Apply(RgbSample(2, 2, (_, _, _) => 100), new Random(seed));
            float[] data = PixelsOf(sample).Data;
            Assert.All(data, v => Assert.Equal(data[0], v));
            values.Add(data[0]);
        }

        Assert.InRange(values.Min(), 50, 80);
        Assert.InRange(values.Max(), 120, 150);
    }

    [Fact]
    public void Contrast_keeps_a_flat_image_and_saturation_keeps_grey_pixels()
    {
        // The mean grey level of a flat grey image is its value, so every contrast factor keeps it.
        using Sample flat = Create(contrast: 0.9).Apply(RgbSample(2, 2, (_, _, _) => 40), new Random(4));
        Assert.All(PixelsOf(flat).Data, v => Assert.Equal(40f, v));

        using Sample grey = Create(saturation: 0.9).Apply(RgbSample(2, 2, (y, x, _) => 10 * y + x), new Random(4));
        PixelBuffer pixels = PixelsOf(grey);
        Assert.Equal([11f, 11, 11], [At(pixels, 1, 1, 0), At(pixels, 1, 1, 1), At(pixels, 1, 1, 2)]);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Saturation_blends_with_the_bt601_grey_level_by_the_drawn_factor(int seed)
    {
        using Sample sample = Create(saturation: 0.8).Apply(RgbSample(1, 1, (_, _, c) => 100 + 50 * c), new Random(seed));

        // The draws by hand: three magnitudes, the order, then one sign per step in that order.
        var random = new Random(seed);
        random.NextDouble();
        random.NextDouble();
        double magnitude = random.NextDouble() * 0.8;
        int[] order = [0, 1, 2];
        random.Shuffle(order);
        bool[] negative = [.. Enumerable.Range(0, 3).Select(_ => random.NextDouble() < 0.5)];
        double factor = 1 + (negative[Array.IndexOf(order, 2)] ? -magnitude : magnitude);
        // Grey of (100, 150, 200): 0.299·100 + 0.587·150 + 0.114·200 = 140.75 → 141.
        float[] expected = [.. new[] { 100, 150, 200 }.Select(v => (float)(int)Math.Clamp(v * factor + 141 * (1 - factor), 0, 255))];
        Assert.Equal(expected, PixelsOf(sample).Data);
    }

    [Fact]
    public void The_same_seed_gives_the_same_colours()
    {
        var jitter = Create(0.4, 0.4, 0.4);
        using Sample a = jitter.Apply(RgbSample(4, 4, Code), new Random(9));
        using Sample b = jitter.Apply(RgbSample(4, 4, Code), new Random(9));
        Assert.Equal(PixelsOf(a).Data, PixelsOf(b).Data);
    }

    [Fact]
    public void Negative_strengths_are_rejected_naming_the_option()
    {
        var e = Assert.Throws<ArgumentException>(() => Create(contrast: -0.1));
        Assert.StartsWith("contrast", e.Message);
    }
}
