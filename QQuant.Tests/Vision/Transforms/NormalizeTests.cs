using QQuant.Vision;
using static QQuant.Tests.Vision.Transforms.TransformTestSupport;

namespace QQuant.Tests.Vision.Transforms;

public class NormalizeTests
{
    // A 2x2 RGB image: (0,0)=(10,20,30) (0,1)=(40,50,60) (1,0)=(70,80,90) (1,1)=(255,0,128).
    private static readonly int[,,] Values =
    {
        { { 10, 20, 30 }, { 40, 50, 60 } },
        { { 70, 80, 90 }, { 255, 0, 128 } },
    };

    private static readonly double[] Mean = [123.675, 116.28, 103.53];
    private static readonly double[] Std = [58.395, 57.12, 57.375];

    private static Sample Known() => RgbSample(2, 2, (y, x, c) => Values[y, x, c]);

    private static Normalize Create(bool toRgb, double[]? mean = null, double[]? std = null) =>
        new(new NormalizeOptions { Mean = mean ?? Mean, Std = std ?? Std, ToRgb = toRgb });

    [Fact]
    public void ToRgb_true_gives_x_minus_mean_over_std_per_rgb_channel()
    {
        using Sample sample = Create(toRgb: true).Apply(Known(), new Random(0));

        PixelBuffer pixels = sample.Pixels!;
        Assert.Null(sample.Image);
        Assert.Equal(PixelLayout.Hwc, pixels.Layout);
        Assert.Equal((3, 2, 2), (pixels.Channels, pixels.Height, pixels.Width));
        // By hand: (10 − 123.675) / 58.395 = −1.946656392..., (0 − 116.28) / 57.12 = −2.035714285...
        Assert.Equal(-1.9466564, At(pixels, 0, 0, 0), 5);
        Assert.Equal(-2.0357143, At(pixels, 1, 1, 1), 5);
        Assert.Equal((128 - 103.53) / 57.375, At(pixels, 1, 1, 2), 5);
        Assert.Equal((255 - 123.675) / 58.395, At(pixels, 1, 1, 0), 5);
        for (int y = 0; y < 2; y++)
        {
            for (int x = 0; x < 2; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    Assert.Equal((float)((Values[y, x, c] - Mean[c]) / Std[c]), At(pixels, y, x, c));
                }
            }
        }
    }

    [Fact]
    public void ToRgb_false_outputs_bgr_with_mean_and_std_applied_to_the_output_channel()
    {
        using Sample sample = Create(toRgb: false, mean: [1, 2, 3], std: [1, 2, 4]).Apply(Known(), new Random(0));

        PixelBuffer pixels = sample.Pixels!;
        // Output channel 0 is blue: (30 − 1) / 1; channel 2 is red: (10 − 3) / 4.
        Assert.Equal(29f, At(pixels, 0, 0, 0));
        Assert.Equal(9f, At(pixels, 0, 0, 1));
        Assert.Equal(1.75f, At(pixels, 0, 0, 2));
        Assert.Equal(127f, At(pixels, 1, 1, 0));
        Assert.Equal(63f, At(pixels, 1, 1, 2));
        var config = Assert.IsType<ImageNormConfig>(sample.Meta[MetaKeys.ImageNormConfig]);
        Assert.False(config.ToRgb);
        Assert.Equal([1.0, 2, 3], config.Mean);
        Assert.Equal([1.0, 2, 4], config.Std);
    }

    [Fact]
    public void Grey_images_take_one_mean_and_std_and_reject_three()
    {
        using var grey = new Sample { Image = Grey(1, 2, (_, x) => x == 0 ? 0 : 255) };
        using Sample done = Create(true, [127.5], [127.5]).Apply(grey, new Random(0));
        Assert.Equal([-1f, 1f], done.Pixels!.Data);

        using var again = new Sample { Image = Grey(1, 2, (_, _) => 3), FileName = "digit.png" };
        var e = Assert.Throws<TransformException>(() => Create(true).Apply(again, new Random(0)));
        Assert.Contains("3 mean/std values", e.Message);
        Assert.Contains("1 channel", e.Message);
        Assert.Contains("digit.png", e.Message);
    }

    [Fact]
    public void Existing_chw_pixels_keep_their_layout()
    {
        using Sample chw = new ImageToTensor(new ImageToTensorOptions()).Apply(Known(), new Random(0));
        using Sample done = Create(toRgb: false, mean: [0, 0, 0], std: [1, 1, 1]).Apply(chw, new Random(0));

        Assert.Equal(PixelLayout.Chw, done.Pixels!.Layout);
        Assert.Equal([30f, 60f, 90f, 128f], done.Pixels.Data[..4]);
    }

    [Theory]
    [InlineData(new[] { 1.0, 2.0 }, new[] { 1.0, 2.0, 3.0 }, "same length")]
    [InlineData(new[] { 1.0 }, new[] { 0.0 }, "std")]
    [InlineData(new double[0], new[] { 1.0 }, "mean")]
    public void Bad_mean_or_std_is_rejected_naming_the_option(double[] mean, double[] std, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => Create(true, mean, std));
        Assert.Contains(expected, e.Message);
    }
}
