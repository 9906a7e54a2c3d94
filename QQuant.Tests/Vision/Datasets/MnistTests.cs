using QQuant.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static QQuant.Tests.Vision.Datasets.DatasetTestFiles;

namespace QQuant.Tests.Vision.Datasets;

public sealed class MnistTests
{
    private static MNISTOptions Options(string folder, bool testMode = false) => new() { DataPrefix = folder, TestMode = testMode };

    [Fact]
    public void Reads_raw_idx_files_into_one_array_and_grey_images()
    {
        using var folder = new TemporaryFolder("mnist");
        folder.Write("train-images-idx3-ubyte", IdxImages(3, rows: 4, columns: 5));
        folder.Write("train-labels-idx1-ubyte", IdxLabels(7, 0, 9));

        var mnist = new MNIST(Options(folder.Path));

        Assert.Equal(3, mnist.Count);
        Assert.Equal([7, 0, 9], mnist.Labels.ToArray());
        Assert.Equal(9, mnist.LabelOf(2));
        Assert.Equal((1, 4, 5), (mnist.Channels, mnist.Height, mnist.Width));
        Assert.Equal(3 * 4 * 5, mnist.Pixels.Length);
        Assert.Equal(PixelValue(2, 0, 3, 4), mnist.PixelsOf(2)[3 * 5 + 4]);
        Assert.Equal(MNIST.StandardClasses, mnist.Classes);
        Assert.Equal("0 - zero", mnist.Classes[0]);
        Assert.Equal("9 - nine", mnist.Classes[9]);
        Assert.False(mnist.TestMode);

        using Sample sample = mnist.Load(1);
        Image<L8> image = Assert.IsType<Image<L8>>(sample.Image);
        Assert.Equal((5, 4), (image.Width, image.Height));
        Assert.Equal(PixelValue(1, 0, 2, 3), image[3, 2].PackedValue);
        Assert.Equal(0, sample.Label);
    }

    [Fact]
    public void Test_mode_reads_gzipped_t10k_files_from_the_raw_sub_folder()
    {
        using var folder = new TemporaryFolder("mnist");
        Directory.CreateDirectory(Path.Combine(folder.Path, "raw"));
        folder.Write("raw/t10k-images-idx3-ubyte.gz", Gzip(IdxImages(2, 28, 28, firstSample: 5)));
        folder.Write("raw/t10k-labels-idx1-ubyte.gz", Gzip(IdxLabels(4, 8)));
        // A train pair that would be read instead if testMode were ignored.
        folder.Write("raw/train-images-idx3-ubyte", IdxImages(1, 28, 28));
        folder.Write("raw/train-labels-idx1-ubyte", IdxLabels(1));

        var fashion = new FashionMNIST(Options(folder.Path, testMode: true));

        Assert.True(fashion.TestMode);
        Assert.Equal([4, 8], fashion.Labels.ToArray());
        Assert.Equal(PixelValue(6, 0, 27, 13), fashion.PixelsOf(1)[27 * 28 + 13]);
        Assert.Equal(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"], fashion.Classes);
    }

    [Fact]
    public void Gzip_is_recognised_by_its_magic_bytes_not_by_the_name()
    {
        using var folder = new TemporaryFolder("mnist");
        folder.Write("train-images-idx3-ubyte", Gzip(IdxImages(2, 3, 3)));
        folder.Write("train-labels-idx1-ubyte", IdxLabels(1, 2));

        var mnist = new MNIST(Options(folder.Path));

        Assert.Equal(2, mnist.Count);
        Assert.Equal(PixelValue(1, 0, 2, 1), mnist.PixelsOf(1)[2 * 3 + 1]);
    }

    [Fact]
    public void Classes_can_be_overridden_by_a_list_or_a_text_file()
    {
        using var folder = new TemporaryFolder("mnist");
        folder.Write("train-images-idx3-ubyte", IdxImages(2, 2, 2));
        folder.Write("train-labels-idx1-ubyte", IdxLabels(0, 1));
        string file = WriteText(Path.Combine(folder.Path, "names.txt"), "zero\n\none\r\n");

        var listed = new MNIST(new MNISTOptions { DataPrefix = folder.Path, Classes = ["nought", "one", "two"] });
        var fromFile = new MNIST(new MNISTOptions { DataPrefix = folder.Path, Classes = [file] });

        Assert.Equal(["nought", "one", "two"], listed.Classes);
        Assert.Equal(["zero", "one"], fromFile.Classes);
    }

    [Fact]
    public void A_classes_override_without_a_name_for_some_label_names_the_label_file()
    {
        using var folder = new TemporaryFolder("mnist");
        folder.Write("train-images-idx3-ubyte", IdxImages(2, 2, 2));
        string labels = folder.Write("train-labels-idx1-ubyte", IdxLabels(0, 5));

        var e = Assert.Throws<DatasetFormatException>(() => new MNIST(new MNISTOptions { DataPrefix = folder.Path, Classes = ["a", "b"] }));

        Assert.Contains(labels, e.Message);
        Assert.Contains("label 5", e.Message);
    }

    [Fact]
    public void A_missing_classes_file_is_named()
    {
        using var folder = new TemporaryFolder("mnist");
        folder.Write("train-images-idx3-ubyte", IdxImages(1, 2, 2));
        folder.Write("train-labels-idx1-ubyte", IdxLabels(0));

        var e = Assert.Throws<DatasetFormatException>(() => new MNIST(new MNISTOptions { DataPrefix = folder.Path, Classes = ["no-such-names.txt"] }));

        Assert.Contains("no-such-names.txt", e.Message);
    }

    [Fact]
    public void A_bad_magic_number_names_the_file()
    {
        using var folder = new TemporaryFolder("mnist");
        string images = folder.Write("train-images-idx3-ubyte", IdxLabels(1, 2, 3, 4, 5, 6, 7, 8, 9));
        folder.Write("train-labels-idx1-ubyte", IdxLabels(1));

        var e = Assert.Throws<DatasetFormatException>(() => new MNIST(Options(folder.Path)));

        Assert.Contains(images, e.Message);
        Assert.Contains("0x00000801", e.Message);
        Assert.Contains("0x00000803", e.Message);
        Assert.Equal(images, e.Path);
    }

    [Fact]
    public void Truncated_images_name_the_file()
    {
        using var folder = new TemporaryFolder("mnist");
        byte[] whole = IdxImages(3, 4, 4);
        string images = folder.Write("train-images-idx3-ubyte.gz", Gzip(whole[..^1]));
        folder.Write("train-labels-idx1-ubyte.gz", Gzip(IdxLabels(1, 2, 3)));

        var e = Assert.Throws<DatasetFormatException>(() => new MNIST(Options(folder.Path)));

        Assert.Contains(images, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Truncated_labels_and_a_short_header_name_the_file()
    {
        using var folder = new TemporaryFolder("mnist");
        folder.Write("train-images-idx3-ubyte", IdxImages(3, 4, 4));
        string labels = folder.Write("train-labels-idx1-ubyte", IdxLabels(1, 2, 3)[..^1]);

        var truncated = Assert.Throws<DatasetFormatException>(() => new MNIST(Options(folder.Path)));
        folder.Write("train-labels-idx1-ubyte", [0, 0, 8]);
        var header = Assert.Throws<DatasetFormatException>(() => new MNIST(Options(folder.Path)));

        Assert.Contains(labels, truncated.Message);
        Assert.Contains("truncated", truncated.Message);
        Assert.Contains(labels, header.Message);
        Assert.Contains("3 bytes long", header.Message);
    }

    [Fact]
    public void Extra_bytes_after_the_images_are_an_error()
    {
        using var folder = new TemporaryFolder("mnist");
        string images = folder.Write("train-images-idx3-ubyte", [.. IdxImages(2, 2, 2), 0, 0]);
        folder.Write("train-labels-idx1-ubyte", IdxLabels(1, 2));

        var e = Assert.Throws<DatasetFormatException>(() => new MNIST(Options(folder.Path)));

        Assert.Contains(images, e.Message);
        Assert.Contains("2 bytes more", e.Message);
    }

    [Fact]
    public void A_count_mismatch_between_images_and_labels_names_both_files()
    {
        using var folder = new TemporaryFolder("mnist");
        string images = folder.Write("train-images-idx3-ubyte", IdxImages(3, 2, 2));
        string labels = folder.Write("train-labels-idx1-ubyte", IdxLabels(1, 2));

        var e = Assert.Throws<DatasetFormatException>(() => new MNIST(Options(folder.Path)));

        Assert.Contains(images, e.Message);
        Assert.Contains(labels, e.Message);
        Assert.Contains("3 images", e.Message);
        Assert.Contains("2 labels", e.Message);
    }

    [Fact]
    public void A_label_above_nine_names_the_file_and_the_item()
    {
        using var folder = new TemporaryFolder("mnist");
        folder.Write("train-images-idx3-ubyte", IdxImages(2, 2, 2));
        string labels = folder.Write("train-labels-idx1-ubyte", IdxLabels(1, 10));

        var e = Assert.Throws<DatasetFormatException>(() => new MNIST(Options(folder.Path)));

        Assert.Contains(labels, e.Message);
        Assert.Contains("item 1", e.Message);
    }

    [Fact]
    public void A_corrupt_gzip_file_names_the_file()
    {
        using var folder = new TemporaryFolder("mnist");
        byte[] gz = Gzip(IdxImages(2, 8, 8));
        gz[12] ^= 0xff;
        gz[13] ^= 0xff;
        string images = folder.Write("train-images-idx3-ubyte.gz", gz);
        folder.Write("train-labels-idx1-ubyte", IdxLabels(1, 2));

        var e = Assert.Throws<DatasetFormatException>(() => new MNIST(Options(folder.Path)));

        Assert.Contains(images, e.Message);
    }

    [Fact]
    public void Missing_files_list_every_path_tried()
    {
        using var folder = new TemporaryFolder("mnist");
        folder.Write("train-images-idx3-ubyte", IdxImages(1, 2, 2));

        var e = Assert.Throws<DatasetFormatException>(() => new MNIST(Options(folder.Path)));

        Assert.Contains(Path.Combine(folder.Path, "train-labels-idx1-ubyte.gz"), e.Message);
        Assert.Contains(Path.Combine(folder.Path, "raw", "train-labels-idx1-ubyte"), e.Message);
    }

    [Fact]
    public void A_missing_folder_or_prefix_is_an_error()
    {
        using var folder = new TemporaryFolder("mnist");
        string missing = Path.Combine(folder.Path, "nowhere");

        var e = Assert.Throws<DatasetFormatException>(() => new MNIST(Options(missing)));
        Assert.Throws<ArgumentException>(() => new MNIST(new MNISTOptions()));

        Assert.Contains(missing, e.Message);
    }
}
