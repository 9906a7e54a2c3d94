using QQuant.Samples.Faults;
using QQuant.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace QQuant.Tests.Faults;

public class ImageFaultsTests
{
    private static Sample Load(string file, long maxPixels = LoadImageFromFileOptions.DefaultMaxPixels) =>
        new LoadImageFromFile(new LoadImageFromFileOptions { MaxPixels = maxPixels }).Apply(new Sample { FileName = file }, new Random(0));

    private static FaultImage Named(string fileName) => FaultImages.All().Single(i => i.FileName == fileName);

    [Fact]
    public void Every_image_case_is_survived()
    {
        using var folder = new TemporaryFolder("faults-images");
        var fault = new ImageFaults();

        FaultOutcome outcome = fault.Run(new FaultRun(fault.Cases(full: false), folder.Path, 1, TextWriter.Null));

        Assert.True(outcome.Passed, string.Join(Environment.NewLine, outcome.Failures));
    }

    [Theory]
    [InlineData("bomb1.png")]
    [InlineData("bomb3.png")]
    [InlineData("bomb4.jpg")]
    public void A_decompression_bomb_is_refused_from_its_header_naming_the_file(string name)
    {
        using var folder = new TemporaryFolder("faults-images");
        string file = folder.Write(name, Named(name).Bytes);
        long before = GC.GetTotalAllocatedBytes(precise: true);

        var e = Assert.Throws<ImageLoadException>(() => Load(file));

        Assert.Contains(file, e.Message, StringComparison.Ordinal);
        Assert.Contains("maxPixels", e.Message, StringComparison.Ordinal);
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 64 << 20);
    }

    [Fact]
    public void MaxPixels_bounds_width_times_height()
    {
        using var folder = new TemporaryFolder("faults-images");
        using (var image = new Image<Rgb24>(10, 10))
        {
            image.SaveAsPng(Path.Combine(folder.Path, "ten.png"));
        }

        string file = Path.Combine(folder.Path, "ten.png");
        using (Sample sample = Load(file, maxPixels: 100))
        {
            Assert.Equal(10, sample.Image!.Width);
        }

        Assert.Throws<ImageLoadException>(() => Load(file, maxPixels: 99));
        Assert.Throws<ArgumentException>(() => new LoadImageFromFile(new LoadImageFromFileOptions { MaxPixels = 0 }));
    }

    [Fact]
    public void A_jpeg_cut_inside_its_scan_is_refused_rather_than_filled_with_grey()
    {
        using var folder = new TemporaryFolder("faults-images");
        byte[] whole = Named("jpeg.png").Bytes;
        string file = folder.Write("cut.jpg", whole[..(whole.Length - 10)]);

        var e = Assert.Throws<ImageLoadException>(() => Load(file));

        Assert.Contains(file, e.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cmyk_jpeg_loads_with_the_colours_written()
    {
        using var folder = new TemporaryFolder("faults-images");
        string file = folder.Write("cmyk.jpg", Named("cmyk.jpg").Bytes);

        using Sample sample = Load(file);

        var image = Assert.IsType<Image<Rgb24>>(sample.Image);
        Rgb24 left = image[0, 0], right = image[15, 7];
        Assert.InRange(left.R, 198, 202);
        Assert.InRange(left.G, 98, 102);
        Assert.InRange(left.B, 48, 52);
        Assert.InRange(right.R, 126, 130);
        Assert.InRange(right.B, 0, 2);
    }
}
