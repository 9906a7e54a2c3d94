using QQuant.Samples;

namespace QQuant.Tests.Cli;

public class BenchDataCommandTests
{
    private const string FashionMnist = "/usr/share/datasets/fashion-mnist";

    [Fact]
    public void Bench_data_prints_images_per_second_for_fashion_mnist_and_a_generated_jpeg_folder()
    {
        Assert.SkipUnless(File.Exists(Path.Combine(FashionMnist, "train-images-idx3-ubyte.gz")), "dataset-fashion-mnist is not installed");
        var output = new StringWriter();
        var error = new StringWriter();

        int code = QQuantCli.Run(["bench", "data", "--jpegs", "32", "--runs", "1", "--workers", "0", "2"], output, error);

        Assert.True(code == 0, error.ToString());
        string[] lines = output.ToString().Split('\n');
        Assert.Contains(lines, l => l.StartsWith("Fashion-MNIST, 60000 images", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("ImageNet-style folder, 32 JPEGs", StringComparison.Ordinal));
        Assert.Equal(4, lines.Count(l => l.Contains(" images/s (median of 1 runs", StringComparison.Ordinal)));
        Assert.Equal(2, lines.Count(l => l.Contains("x workers 0)", StringComparison.Ordinal)));
    }

    [Fact]
    public void Bench_data_names_a_missing_dataset_folder_and_how_to_get_it()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        int code = QQuantCli.Run(["bench", "data", "--fashion-mnist", "/no/such/folder"], output, error);

        Assert.Equal(1, code);
        Assert.Contains("'/no/such/folder'", error.ToString());
        Assert.Contains("dataset-fashion-mnist", error.ToString());
    }
}
