using QQuant.Vision;

namespace QQuant.Tests.Vision.Datasets;

/// <summary>Reads the real Fashion-MNIST files of Debian's <c>dataset-fashion-mnist</c> package when it is installed.</summary>
public sealed class FashionMnistDataTests
{
    private const string Folder = "/usr/share/datasets/fashion-mnist";

    private static void SkipWithoutData() => Assert.SkipUnless(
        File.Exists(Path.Combine(Folder, "train-images-idx3-ubyte.gz")),
        $"the Fashion-MNIST files are not in {Folder} (apt-get install dataset-fashion-mnist)");

    [Fact]
    public void The_training_split_holds_6000_images_of_each_of_the_ten_classes()
    {
        SkipWithoutData();

        var train = new FashionMNIST(new MNISTOptions { DataPrefix = Folder });

        Assert.Equal(60_000, train.Count);
        Assert.Equal((1, 28, 28), (train.Channels, train.Height, train.Width));
        Assert.Equal(60_000 * 28 * 28, train.Pixels.Length);
        Assert.Equal(10, train.Classes.Count);
        int[] histogram = new int[10];
        foreach (int label in train.Labels.Span)
        {
            histogram[label]++;
        }

        Assert.All(histogram, count => Assert.Equal(6000, count));
        // The images are not blank: Fashion-MNIST has dark backgrounds and bright garments.
        Assert.Contains(train.PixelsOf(0).ToArray(), b => b > 200);
    }

    [Fact]
    public void The_test_split_holds_10000_images()
    {
        SkipWithoutData();

        var test = new FashionMNIST(new MNISTOptions { DataPrefix = Folder, TestMode = true });

        Assert.Equal(10_000, test.Count);
        Assert.Equal("Ankle boot", test.Classes[test.LabelOf(0)]);
    }
}
