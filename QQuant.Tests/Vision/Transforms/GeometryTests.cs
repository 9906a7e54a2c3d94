using QQuant.Vision;
using static QQuant.Tests.Vision.Transforms.TransformTestSupport;

namespace QQuant.Tests.Vision.Transforms;

public class GeometryTests
{
    [Theory]
    [InlineData(300, 600, 256, 512)]
    [InlineData(600, 300, 512, 256)]
    [InlineData(333, 500, 256, 384)] // 256 · 500 / 333 = 384.38, truncated as mmcls's int()
    [InlineData(256, 400, 256, 400)] // the short side is already 256: untouched
    public void Resize_short_side_keeps_the_aspect_ratio(int height, int width, int expectedHeight, int expectedWidth)
    {
        using var sample = new Sample { Image = Rgb(height, width, (_, _, _) => 7) };
        new Resize(new ResizeOptions { Size = [256, -1] }).Apply(sample, new Random(0));

        Assert.Equal((expectedHeight, expectedWidth), (sample.Image!.Height, sample.Image.Width));
        Assert.Equal([expectedHeight, expectedWidth, 3], (int[])sample.Meta[MetaKeys.ImageShape]);
    }

    [Fact]
    public void Resize_with_one_number_or_height_width_gives_that_size_as_mmcls()
    {
        using var square = new Sample { Image = Rgb(300, 600, (_, _, _) => 7) };
        new Resize(new ResizeOptions { Size = [224] }).Apply(square, new Random(0));
        Assert.Equal((224, 224), (square.Image!.Height, square.Image.Width));

        using var exact = new Sample { Image = Rgb(300, 600, (_, _, _) => 7) };
        new Resize(new ResizeOptions { Size = [100, 50] }).Apply(exact, new Random(0));
        Assert.Equal((100, 50), (exact.Image!.Height, exact.Image.Width));
    }

    [Fact]
    public void Resize_long_side_sets_the_longer_side()
    {
        var resize = new Resize(new ResizeOptions { Size = [100, -1], AdaptiveSide = AdaptiveSide.Long });
        Assert.Equal((50, 100), resize.TargetSize(300, 600));
        Assert.Equal((100, 50), resize.TargetSize(600, 300));
    }

    [Fact]
    public void CenterCrop_takes_the_centre_pixels()
    {
        using Sample sample = RgbSample(6, 8, Code);
        new CenterCrop(new CenterCropOptions { CropSize = [2, 4] }).Apply(sample, new Random(0));

        // Top-left corner (6 − 2) / 2 = 2, (8 − 4) / 2 = 2: rows 2..3, columns 2..5.
        PixelBuffer pixels = PixelsOf(sample);
        Assert.Equal((2, 4), (pixels.Height, pixels.Width));
        for (int y = 0; y < 2; y++)
        {
            for (int x = 0; x < 4; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    Assert.Equal(Code(y + 2, x + 2, c), At(pixels, y, x, c));
                }
            }
        }
    }

    [Fact]
    public void CenterCrop_rounds_half_to_even_like_python_and_never_pads()
    {
        var crop = new CenterCrop(new CenterCropOptions { CropSize = [2] });
        Assert.Equal((2, 2, 2, 2), crop.Region(7, 7)); // (7 − 2) / 2 = 2.5 → 2
        Assert.Equal((4, 4, 2, 2), crop.Region(11, 11)); // 4.5 → 4
        Assert.Equal((0, 0, 1, 1), crop.Region(1, 1));

        // EfficientNet: 224 / (224 + 32) of the short side 256 = 224, centred in 256x320.
        var efficient = new CenterCrop(new CenterCropOptions { CropSize = [224], EfficientnetStyle = true });
        Assert.Equal((16, 48, 224, 224), efficient.Region(256, 320));
    }

    [Fact]
    public void CenterCrop_efficientnet_style_resizes_to_the_crop_size()
    {
        using var sample = new Sample { Image = Rgb(100, 150, (_, _, _) => 9) };
        new CenterCrop(new CenterCropOptions { CropSize = [64], EfficientnetStyle = true }).Apply(sample, new Random(0));
        Assert.Equal((64, 64), (sample.Image!.Height, sample.Image.Width));
    }

    [Theory]
    [InlineData(FlipDirection.Horizontal)]
    [InlineData(FlipDirection.Vertical)]
    public void RandomFlip_with_probability_one_mirrors_exactly(FlipDirection direction)
    {
        var flip = new RandomFlip(new RandomFlipOptions { FlipProb = 1, Direction = direction });
        using Sample image = flip.Apply(RgbSample(3, 4, Code), new Random(5));
        using Sample floats = flip.Apply(HwcSample(3, 4, 3, (y, x, c) => Code(y, x, c)), new Random(5));

        foreach (Sample sample in new[] { image, floats })
        {
            PixelBuffer pixels = PixelsOf(sample);
            for (int y = 0; y < 3; y++)
            {
                for (int x = 0; x < 4; x++)
                {
                    int sourceY = direction == FlipDirection.Vertical ? 2 - y : y;
                    int sourceX = direction == FlipDirection.Horizontal ? 3 - x : x;
                    Assert.Equal(Code(sourceY, sourceX, 1), At(pixels, y, x, 1));
                }
            }

            Assert.Equal(true, sample.Meta[MetaKeys.Flip]);
            Assert.Equal(direction == FlipDirection.Horizontal ? "horizontal" : "vertical", sample.Meta[MetaKeys.FlipDirection]);
        }
    }

    [Fact]
    public void RandomFlip_with_probability_zero_leaves_the_image()
    {
        using Sample sample = new RandomFlip(new RandomFlipOptions { FlipProb = 0 }).Apply(RgbSample(2, 2, Code), new Random(1));
        Assert.Equal(Code(0, 0, 0), At(PixelsOf(sample), 0, 0, 0));
        Assert.Equal(false, sample.Meta[MetaKeys.Flip]);
    }

    [Fact]
    public void RandomFlip_at_one_half_flips_about_half_the_samples()
    {
        var flip = new RandomFlip(new RandomFlipOptions());
        var random = new Random(11);
        int flipped = 0;
        for (int i = 0; i < 1000; i++)
        {
            using Sample sample = flip.Apply(HwcSample(1, 2, 1, (_, x, _) => x), random);
            flipped += (bool)sample.Meta[MetaKeys.Flip] ? 1 : 0;
        }

        Assert.InRange(flipped, 430, 570);
    }

    [Fact]
    public void RandomFlip_rejects_a_probability_outside_0_1()
    {
        var e = Assert.Throws<ArgumentException>(() => new RandomFlip(new RandomFlipOptions { FlipProb = 1.5 }));
        Assert.Contains("flipProb", e.Message);
        Assert.Contains("1.5", e.Message);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void RandomCrop_with_padding_4_cuts_32x32_at_the_seeded_offset_of_the_zero_padded_image(int seed)
    {
        static int Value(int y, int x, int c) => (y * 7 + x * 3 + c) % 250 + 1;
        var crop = new RandomCrop(new RandomCropOptions { Size = [32], Padding = [4] });
        using Sample sample = crop.Apply(RgbSample(32, 32, Value), new Random(seed));

        // The same draws by hand: the top, then the left corner, each uniform in 0..8 of the 40x40 padded image.
        var draws = new Random(seed);
        int top = draws.Next(0, 9);
        int left = draws.Next(0, 9);
        PixelBuffer pixels = PixelsOf(sample);
        Assert.Equal((32, 32), (pixels.Height, pixels.Width));
        for (int y = 0; y < 32; y++)
        {
            for (int x = 0; x < 32; x++)
            {
                int sourceY = top + y - 4;
                int sourceX = left + x - 4;
                bool inside = sourceY is >= 0 and < 32 && sourceX is >= 0 and < 32;
                Assert.Equal(inside ? Value(sourceY, sourceX, 2) : 0, At(pixels, y, x, 2));
            }
        }
    }

    [Fact]
    public void RandomCrop_offsets_vary_with_the_seed()
    {
        var crop = new RandomCrop(new RandomCropOptions { Size = [32], Padding = [4] });
        var corners = new HashSet<float>();
        for (int seed = 0; seed < 20; seed++)
        {
            using Sample sample = crop.Apply(HwcSample(32, 32, 1, (y, x, _) => y * 32 + x + 1), new Random(seed));
            corners.Add(sample.Pixels!.Data[0]);
        }

        Assert.True(corners.Count > 5, $"only {corners.Count} different corners");
    }

    [Theory]
    [InlineData(PadMode.Constant, new float[] { 9, 9, 1, 2, 3, 9, 9 })]
    [InlineData(PadMode.Edge, new float[] { 1, 1, 1, 2, 3, 3, 3 })]
    [InlineData(PadMode.Reflect, new float[] { 3, 2, 1, 2, 3, 2, 1 })]
    [InlineData(PadMode.Symmetric, new float[] { 2, 1, 1, 2, 3, 3, 2 })]
    public void RandomCrop_pads_with_numpy_modes(PadMode mode, float[] expected)
    {
        var crop = new RandomCrop(new RandomCropOptions { Size = [1, 7], Padding = [2, 0], PadMode = mode, PadVal = [9] });

        using Sample floats = crop.Apply(HwcSample(1, 3, 1, (_, x, _) => x + 1), new Random(0));
        Assert.Equal(expected, floats.Pixels!.Data);

        using var grey = new Sample { Image = Grey(1, 3, (_, x) => x + 1) };
        crop.Apply(grey, new Random(0));
        Assert.Equal(expected, PixelsOf(grey).Data);
    }

    [Fact]
    public void RandomCrop_pad_if_needed_grows_small_images_and_refuses_otherwise()
    {
        using var small = new Sample { Image = Grey(2, 2, (_, _) => 5) };
        new RandomCrop(new RandomCropOptions { Size = [4], PadIfNeeded = true }).Apply(small, new Random(3));
        Assert.Equal((4, 4), (small.Image!.Height, small.Image.Width));

        using var tooSmall = new Sample { Image = Grey(2, 2, (_, _) => 5), FileName = "tiny.png" };
        var e = Assert.Throws<TransformException>(() =>
            new RandomCrop(new RandomCropOptions { Size = [4] }).Apply(tooSmall, new Random(3)));
        Assert.Contains("tiny.png", e.Message);
        Assert.Contains("padIfNeeded", e.Message);
    }

    [Fact]
    public void Bad_sizes_and_paddings_are_rejected_naming_the_option()
    {
        Assert.Contains("size", Assert.Throws<ArgumentException>(() => new RandomCrop(new RandomCropOptions { Size = [0] })).Message);
        Assert.Contains("padding", Assert.Throws<ArgumentException>(() =>
            new RandomCrop(new RandomCropOptions { Size = [4], Padding = [1, 2, 3] })).Message);
        Assert.Contains("cropSize", Assert.Throws<ArgumentException>(() => new CenterCrop(new CenterCropOptions())).Message);
        Assert.Contains("[256, -2]", Assert.Throws<ArgumentException>(() => new Resize(new ResizeOptions { Size = [256, -2] })).Message);
    }

    [Fact]
    public void Geometric_steps_need_an_image_first()
    {
        var e = Assert.Throws<TransformException>(() =>
            new Resize(new ResizeOptions { Size = [4] }).Apply(HwcSample(2, 2, 3, (_, _, _) => 0), new Random(0)));
        Assert.Contains("Resize", e.Message);
        Assert.Contains("float pixels", e.Message);
    }
}
