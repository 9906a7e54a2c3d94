using QQuant.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using static QQuant.Tests.Vision.Transforms.TransformTestSupport;

namespace QQuant.Tests.Vision.Transforms;

public sealed class LoadImageFromFileTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("qquant-load-");

    public void Dispose() => _folder.Dispose();

    private static Sample Load(string folder, string name, ColorType colorType = ColorType.Color, bool toFloat32 = false) =>
        new LoadImageFromFile(new LoadImageFromFileOptions { ColorType = colorType, ToFloat32 = toFloat32 })
            .Apply(new Sample { Prefix = folder, FileName = name, Label = 0 }, new Random(0));

    private void WritePng(string name, Image image)
    {
        using (image)
        {
            image.SaveAsPng(Path.Combine(_folder.Path, name));
        }
    }

    [Fact]
    public void A_colour_png_loads_as_rgb_with_the_reference_meta()
    {
        WritePng("colour.png", Rgb(3, 5, Code));
        using Sample sample = Load(_folder.Path, "colour.png");

        var image = Assert.IsType<Image<Rgb24>>(sample.Image);
        Assert.Equal(new Rgb24((byte)Code(2, 4, 0), (byte)Code(2, 4, 1), (byte)Code(2, 4, 2)), image[4, 2]);
        Assert.Equal(Path.Combine(_folder.Path, "colour.png"), sample.Meta[MetaKeys.FileName]);
        Assert.Equal("colour.png", sample.Meta[MetaKeys.OriginalFileName]);
        Assert.Equal([3, 5, 3], (int[])sample.Meta[MetaKeys.OriginalShape]);
        Assert.Equal([3, 5, 3], (int[])sample.Meta[MetaKeys.ImageShape]);
        var norm = Assert.IsType<ImageNormConfig>(sample.Meta[MetaKeys.ImageNormConfig]);
        Assert.Equal([0.0, 0, 0], norm.Mean);
    }

    [Fact]
    public void A_grey_png_is_grey_when_unchanged_or_grayscale_and_rgb_when_color()
    {
        WritePng("grey.png", Grey(2, 3, (y, x) => 40 * y + x));

        using Sample unchanged = Load(_folder.Path, "grey.png", ColorType.Unchanged);
        Assert.Equal(new L8(41), Assert.IsType<Image<L8>>(unchanged.Image)[1, 1]);
        Assert.Equal([2, 3, 1], (int[])unchanged.Meta[MetaKeys.OriginalShape]);

        using Sample grayscale = Load(_folder.Path, "grey.png", ColorType.Grayscale);
        Assert.Equal(new L8(42), Assert.IsType<Image<L8>>(grayscale.Image)[2, 1]);

        using Sample colour = Load(_folder.Path, "grey.png");
        Assert.Equal(new Rgb24(41, 41, 41), Assert.IsType<Image<Rgb24>>(colour.Image)[1, 1]);
    }

    [Fact]
    public void A_colour_png_as_grayscale_uses_the_bt601_weights_and_stays_rgb_when_unchanged()
    {
        WritePng("rgb.png", Rgb(1, 1, (_, _, c) => 100 + 50 * c));

        using Sample grey = Load(_folder.Path, "rgb.png", ColorType.Grayscale);
        // 0.299·100 + 0.587·150 + 0.114·200 = 140.75
        Assert.Equal(new L8(141), Assert.IsType<Image<L8>>(grey.Image)[0, 0]);

        using Sample unchanged = Load(_folder.Path, "rgb.png", ColorType.Unchanged);
        Assert.IsType<Image<Rgb24>>(unchanged.Image);
    }

    [Fact]
    public void Jpeg_files_load_in_colour_and_grey()
    {
        using (Image<Rgb24> colour = Rgb(16, 16, (_, _, c) => 200 - 70 * c))
        {
            colour.SaveAsJpeg(Path.Combine(_folder.Path, "colour.jpg"), new JpegEncoder { Quality = 95 });
        }

        using (Image<L8> grey = Grey(16, 16, (_, _) => 90))
        {
            grey.SaveAsJpeg(Path.Combine(_folder.Path, "grey.jpg"), new JpegEncoder { Quality = 95, ColorType = JpegColorType.Luminance });
        }

        using Sample rgb = Load(_folder.Path, "colour.jpg", ColorType.Unchanged);
        Rgb24 pixel = Assert.IsType<Image<Rgb24>>(rgb.Image)[8, 8];
        Assert.InRange(pixel.R, 196, 204);
        Assert.InRange(pixel.G, 126, 134);
        Assert.InRange(pixel.B, 56, 64);

        using Sample grey1 = Load(_folder.Path, "grey.jpg", ColorType.Unchanged);
        Assert.InRange(Assert.IsType<Image<L8>>(grey1.Image)[3, 3].PackedValue, 88, 92);

        using Sample grey3 = Load(_folder.Path, "grey.jpg");
        Assert.Equal([16, 16, 3], (int[])grey3.Meta[MetaKeys.OriginalShape]);
    }

    [Fact]
    public void To_float32_gives_hwc_pixels_from_0_to_255()
    {
        WritePng("f.png", Rgb(2, 2, Code));
        using Sample sample = Load(_folder.Path, "f.png", toFloat32: true);

        Assert.Null(sample.Image);
        Assert.Equal(PixelLayout.Hwc, sample.Pixels!.Layout);
        Assert.Equal(Code(1, 0, 2), At(sample.Pixels, 1, 0, 2));
        Assert.Equal([2, 2, 3], (int[])sample.Meta[MetaKeys.ImageShape]);
    }

    [Fact]
    public void Missing_and_undecodable_files_raise_an_image_load_exception_naming_the_file()
    {
        var missing = Assert.Throws<ImageLoadException>(() => Load(_folder.Path, "nope.png"));
        Assert.Contains(Path.Combine(_folder.Path, "nope.png"), missing.Message);
        Assert.Contains("does not exist", missing.Message);

        string bad = _folder.Write("bad.png", [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        var garbage = Assert.Throws<ImageLoadException>(() => Load(_folder.Path, "bad.png"));
        Assert.Contains(bad, garbage.Message);
        Assert.Equal(bad, garbage.FilePath);
        Assert.IsAssignableFrom<QQuantException>(garbage);

        string truncated = Path.Combine(_folder.Path, "cut.png");
        using (Image<Rgb24> image = Rgb(8, 8, Code))
        {
            image.SaveAsPng(truncated);
        }

        byte[] bytes = File.ReadAllBytes(truncated);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        Assert.Contains(truncated, Assert.Throws<ImageLoadException>(() => Load(_folder.Path, "cut.png")).Message);
    }

    [Fact]
    public void A_sample_without_a_file_name_is_an_error()
    {
        var e = Assert.Throws<TransformException>(() =>
            new LoadImageFromFile(new LoadImageFromFileOptions()).Apply(new Sample(), new Random(0)));
        Assert.Contains("FileName", e.Message);
    }
}
