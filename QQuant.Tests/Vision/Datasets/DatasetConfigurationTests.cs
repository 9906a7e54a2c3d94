using QQuant.Vision;
using static QQuant.Tests.Vision.Datasets.DatasetTestFiles;

namespace QQuant.Tests.Vision.Datasets;

public sealed class DatasetConfigurationTests
{
    [Fact]
    public void Every_dataset_is_registered_under_its_reference_name()
    {
        IReadOnlyCollection<string> types = Registry().TypesOf<ImageDataset>();

        Assert.Equal(["CIFAR10", "CIFAR100", "FashionMNIST", "ImageNet", "ImageNetV1", "MNIST"], types.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ImageNet_is_built_from_configuration_with_its_pipeline()
    {
        using var folder = new TemporaryFolder("dataset-config");
        WriteImage(Path.Combine(folder.Path, "cat", "a.png"));
        WriteImage(Path.Combine(folder.Path, "dog", "b.jpg"));

        ImageDataset dataset = Build(new
        {
            type = "ImageNet",
            dataPrefix = folder.Path,
            pipeline = new object[] { new { type = TagTransform.TypeName, tag = "a" }, new { type = TagTransform.TypeName, tag = "b" } },
        });

        var imageNet = Assert.IsType<ImageNet>(dataset);
        Assert.Equal(["cat", "dog"], imageNet.Classes);
        Assert.Equal(2, imageNet.Pipeline.Transforms.Count);
        using Sample sample = imageNet.Get(1, new Random(1));
        Assert.Equal("ab", sample.Meta["tags"]);
        Assert.Equal(1, sample.Label);
    }

    [Fact]
    public void The_reference_snake_case_keys_bind_too()
    {
        using var folder = new TemporaryFolder("dataset-config");
        string ann = WriteText(Path.Combine(folder.Path, "val.txt"), "x.jpg\t4\textra\n");
        string names = WriteText(Path.Combine(folder.Path, "names.txt"), "a\nb\nc\nd\ne\n");

        ImageDataset dataset = Build(new { type = "ImageNetV1", data_prefix = folder.Path, ann_file = ann, test_mode = true, classes = names });

        var v1 = Assert.IsType<ImageNetV1>(dataset);
        Assert.True(v1.TestMode);
        Assert.Equal(["a", "b", "c", "d", "e"], v1.Classes);
        Assert.Equal(4, v1.LabelOf(0));
    }

    [Fact]
    public void Cifar_and_mnist_are_built_from_configuration()
    {
        using var folder = new TemporaryFolder("dataset-config");
        folder.Write("test.bin", CifarRecords(0, [2, 17]));
        folder.Write("t10k-images-idx3-ubyte.gz", Gzip(IdxImages(1, 28, 28)));
        folder.Write("t10k-labels-idx1-ubyte.gz", Gzip(IdxLabels(6)));

        ImageDataset cifar = Build(new { type = "CIFAR100", dataPrefix = folder.Path, testMode = true });
        ImageDataset mnist = Build(new { type = "MNIST", dataPrefix = folder.Path, testMode = true, classes = new[] { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" } });

        Assert.Equal(17, Assert.IsType<CIFAR100>(cifar).LabelOf(0));
        Assert.Equal(6, Assert.IsType<MNIST>(mnist).LabelOf(0));
        Assert.Equal("6", mnist.Classes[6]);
    }

    [Fact]
    public void Options_a_dataset_does_not_have_are_rejected()
    {
        using var folder = new TemporaryFolder("dataset-config");

        var e = Assert.Throws<ComponentConfigurationException>(() => Build(new { type = "CIFAR10", dataPrefix = folder.Path, annFile = "x.txt" }));

        Assert.Contains("dataset:annFile", e.Message);
        Assert.Contains("dataPrefix", e.Message);
    }

    [Fact]
    public void A_missing_data_prefix_is_reported_with_the_key_path()
    {
        var e = Assert.Throws<ComponentConfigurationException>(() => Build(new { type = "MNIST", testMode = true }));

        Assert.Contains("dataset (MNIST)", e.Message);
        Assert.Contains("dataPrefix is required", e.Message);
    }

    [Fact]
    public void File_problems_reach_the_configuration_error_with_the_file_and_line()
    {
        using var folder = new TemporaryFolder("dataset-config");
        string ann = WriteText(Path.Combine(folder.Path, "train.txt"), "a.jpg 1\nbroken\n");

        var e = Assert.Throws<ComponentConfigurationException>(() => Build(new { type = "ImageNet", dataPrefix = folder.Path, annFile = ann }));

        Assert.Contains($"{ann}:2", e.Message);
        Assert.Contains("'broken'", e.Message);
    }
}
