using QQuant.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static QQuant.Tests.Vision.Datasets.DatasetTestFiles;

namespace QQuant.Tests.Vision.Datasets;

public sealed class CifarTests
{
    private static byte[] L(params byte[] label) => label;

    /// <summary>Writes the five training batches (1, 2, 1, 1, 1 records; labels 0..5) and a test batch of 2 (labels 9, 8).</summary>
    private static void WriteCifar10(string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "data_batch_1.bin"), CifarRecords(0, L(0)));
        File.WriteAllBytes(Path.Combine(folder, "data_batch_2.bin"), CifarRecords(1, L(1), L(2)));
        File.WriteAllBytes(Path.Combine(folder, "data_batch_3.bin"), CifarRecords(3, L(3)));
        File.WriteAllBytes(Path.Combine(folder, "data_batch_4.bin"), CifarRecords(4, L(4)));
        File.WriteAllBytes(Path.Combine(folder, "data_batch_5.bin"), CifarRecords(5, L(5)));
        File.WriteAllBytes(Path.Combine(folder, "test_batch.bin"), CifarRecords(100, L(9), L(8)));
    }

    [Fact]
    public void Cifar10_reads_the_five_batches_from_the_standard_sub_folder_in_order()
    {
        using var folder = new TemporaryFolder("cifar");
        WriteCifar10(Path.Combine(folder.Path, "cifar-10-batches-bin"));

        var cifar = new CIFAR10(new CIFAROptions { DataPrefix = folder.Path });

        Assert.Equal(6, cifar.Count);
        Assert.Equal([0, 1, 2, 3, 4, 5], cifar.Labels.ToArray());
        Assert.Equal((3, 32, 32), (cifar.Channels, cifar.Height, cifar.Width));
        Assert.Equal(6 * 3072, cifar.Pixels.Length);
        // Channel-major: the green plane of sample 2 starts 1024 bytes into it.
        Assert.Equal(PixelValue(2, 1, 5, 6), cifar.Pixels.Span[2 * 3072 + 1024 + 5 * 32 + 6]);
        Assert.Equal(["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"], cifar.Classes);
    }

    [Fact]
    public void A_sample_is_a_32x32_rgb_image_with_the_planes_in_rgb_order()
    {
        using var folder = new TemporaryFolder("cifar");
        WriteCifar10(folder.Path);
        var cifar = new CIFAR10(new CIFAROptions { DataPrefix = folder.Path });

        using Sample sample = cifar.Load(2);

        Image<Rgb24> image = Assert.IsType<Image<Rgb24>>(sample.Image);
        Assert.Equal((32, 32), (image.Width, image.Height));
        Assert.Equal(new Rgb24(PixelValue(2, 0, 7, 30), PixelValue(2, 1, 7, 30), PixelValue(2, 2, 7, 30)), image[30, 7]);
        Assert.Equal(new Rgb24(PixelValue(2, 0, 31, 0), PixelValue(2, 1, 31, 0), PixelValue(2, 2, 31, 0)), image[0, 31]);
        Assert.Equal(2, sample.Label);
    }

    [Fact]
    public void Test_mode_reads_the_test_batch_from_the_prefix_itself()
    {
        using var folder = new TemporaryFolder("cifar");
        WriteCifar10(folder.Path);

        var cifar = new CIFAR10(new CIFAROptions { DataPrefix = folder.Path, TestMode = true });

        Assert.True(cifar.TestMode);
        Assert.Equal([9, 8], cifar.Labels.ToArray());
        Assert.Equal(PixelValue(101, 2, 0, 0), cifar.PixelsOf(1)[2048]);
    }

    [Fact]
    public void Cifar100_uses_the_fine_label_and_the_hundred_fine_names()
    {
        using var folder = new TemporaryFolder("cifar");
        string sub = Path.Combine(folder.Path, "cifar-100-binary");
        Directory.CreateDirectory(sub);
        File.WriteAllBytes(Path.Combine(sub, "train.bin"), CifarRecords(0, L(19, 99), L(3, 0), L(0, 42)));
        File.WriteAllBytes(Path.Combine(sub, "test.bin"), CifarRecords(7, L(1, 11)));

        var train = new CIFAR100(new CIFAROptions { DataPrefix = folder.Path });
        var test = new CIFAR100(new CIFAROptions { DataPrefix = folder.Path, TestMode = true });

        Assert.Equal([99, 0, 42], train.Labels.ToArray());
        Assert.Equal([11], test.Labels.ToArray());
        Assert.Equal(PixelValue(7, 0, 0, 1), test.PixelsOf(0)[1]);
        Assert.Equal(100, train.Classes.Count);
        Assert.Equal(["apple", "aquarium_fish", "baby"], train.Classes.Take(3));
        Assert.Equal("worm", train.Classes[99]);
        Assert.Equal(train.Classes.Order(StringComparer.Ordinal), train.Classes);
        Assert.Equal(100, train.Classes.Distinct().Count());
    }

    [Fact]
    public void A_truncated_file_is_named_with_its_length()
    {
        using var folder = new TemporaryFolder("cifar");
        WriteCifar10(folder.Path);
        string batch = folder.Write("data_batch_3.bin", CifarRecords(0, L(1), L(2))[..^10]);

        var e = Assert.Throws<DatasetFormatException>(() => new CIFAR10(new CIFAROptions { DataPrefix = folder.Path }));

        Assert.Contains(batch, e.Message);
        Assert.Contains($"{2 * 3073 - 10} bytes", e.Message);
        Assert.Contains("3073-byte records", e.Message);
    }

    [Fact]
    public void Cifar100_records_are_3074_bytes()
    {
        using var folder = new TemporaryFolder("cifar");
        string train = folder.Write("train.bin", CifarRecords(0, L(1), L(2)));

        var e = Assert.Throws<DatasetFormatException>(() => new CIFAR100(new CIFAROptions { DataPrefix = folder.Path }));

        Assert.Contains(train, e.Message);
        Assert.Contains("3074-byte records", e.Message);
    }

    [Fact]
    public void A_missing_batch_is_named()
    {
        using var folder = new TemporaryFolder("cifar");
        WriteCifar10(folder.Path);
        File.Delete(Path.Combine(folder.Path, "data_batch_4.bin"));

        var e = Assert.Throws<DatasetFormatException>(() => new CIFAR10(new CIFAROptions { DataPrefix = folder.Path }));

        Assert.Contains(Path.Combine(folder.Path, "data_batch_4.bin"), e.Message);
        Assert.Contains(Path.Combine(folder.Path, "cifar-10-batches-bin", "data_batch_4.bin"), e.Message);
    }

    [Fact]
    public void A_label_out_of_range_names_the_file_and_record()
    {
        using var folder = new TemporaryFolder("cifar");
        WriteCifar10(folder.Path);
        string test = folder.Write("test_batch.bin", CifarRecords(0, L(3), L(10)));

        var e = Assert.Throws<DatasetFormatException>(() => new CIFAR10(new CIFAROptions { DataPrefix = folder.Path, TestMode = true }));

        Assert.Contains(test, e.Message);
        Assert.Contains("record 1", e.Message);
    }
}
