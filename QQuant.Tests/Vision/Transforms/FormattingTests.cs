using QQuant.Vision;
using static QQuant.Tests.Vision.Transforms.TransformTestSupport;

namespace QQuant.Tests.Vision.Transforms;

public class FormattingTests
{
    [Fact]
    public void ImageToTensor_moves_hwc_to_chw()
    {
        // 2 rows, 3 columns; value = 100·c + 10·y + x.
        using Sample sample = HwcSample(2, 3, 3, (y, x, c) => 100 * c + 10 * y + x);
        new ImageToTensor(new ImageToTensorOptions()).Apply(sample, new Random(0));

        PixelBuffer pixels = sample.Pixels!;
        Assert.Equal(PixelLayout.Chw, pixels.Layout);
        Assert.Equal(
            [0f, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112, 200, 201, 202, 210, 211, 212],
            pixels.Data);
    }

    [Fact]
    public void ImageToTensor_converts_a_decoded_image_to_0_255_floats()
    {
        using Sample sample = RgbSample(1, 2, (_, x, c) => x == 0 ? 255 : c);
        new ImageToTensor(new ImageToTensorOptions()).Apply(sample, new Random(0));

        Assert.Null(sample.Image);
        Assert.Equal([255f, 0, 255, 1, 255, 2], sample.Pixels!.Data);
    }

    [Fact]
    public void ImageToTensor_rejects_keys_other_than_img()
    {
        var e = Assert.Throws<ArgumentException>(() => new ImageToTensor(new ImageToTensorOptions { Keys = ["gt_label"] }));
        Assert.Contains("'gt_label'", e.Message);
        Assert.Contains("valid keys: img", e.Message);
    }

    [Fact]
    public void ToTensor_checks_that_the_label_exists()
    {
        var toTensor = new ToTensor(new ToTensorOptions { Keys = ["gt_label"] });
        using Sample labelled = HwcSample(1, 1, 1, (_, _, _) => 0);
        Assert.Same(labelled, toTensor.Apply(labelled, new Random(0)));

        using var unlabelled = new Sample { FileName = "a.png", Pixels = labelled.Pixels };
        var e = Assert.Throws<TransformException>(() => toTensor.Apply(unlabelled, new Random(0)));
        Assert.Contains("gt_label", e.Message);
        Assert.Contains("a.png", e.Message);
    }

    [Fact]
    public void Collect_keeps_listed_keys_and_meta_and_drops_the_rest()
    {
        using Sample sample = HwcSample(1, 1, 3, (_, _, _) => 1);
        sample.Label = 4;
        sample.Meta[MetaKeys.Flip] = true;
        sample.Meta["custom"] = 1;

        new Collect(new CollectOptions { Keys = ["img", "gt_label"] }).Apply(sample, new Random(0));
        Assert.Equal(4, sample.Label);
        Assert.NotNull(sample.Pixels);
        Assert.Equal([MetaKeys.Flip], sample.Meta.Keys);

        new Collect(new CollectOptions { Keys = ["img"], MetaKeys = [] }).Apply(sample, new Random(0));
        Assert.Equal(-1, sample.Label);
        Assert.Empty(sample.Meta);
    }

    [Fact]
    public void Collect_requires_float_pixels_and_a_label()
    {
        using Sample image = RgbSample(1, 1, (_, _, _) => 0);
        var collect = new Collect(new CollectOptions { Keys = ["img", "gt_label"] });
        Assert.Contains("ImageToTensor", Assert.Throws<TransformException>(() => collect.Apply(image, new Random(0))).Message);

        using Sample noLabel = HwcSample(1, 1, 1, (_, _, _) => 0);
        noLabel.Label = -1;
        Assert.Contains("gt_label", Assert.Throws<TransformException>(() => collect.Apply(noLabel, new Random(0))).Message);
    }

    [Fact]
    public void Collect_names_the_valid_keys_for_an_unknown_one()
    {
        var e = Assert.Throws<ArgumentException>(() => new Collect(new CollectOptions { Keys = ["img", "label"] }));
        Assert.Contains("'label'", e.Message);
        Assert.Contains("img, gt_label", e.Message);
    }
}
