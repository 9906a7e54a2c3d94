namespace QQuant.Vision;

/// <summary>
/// Fashion-MNIST (<c>type: FashionMNIST</c>), in the same IDX layout and file names as <see cref="MNIST"/>
/// (60 000 training and 10 000 test images of 28x28, <c>Image&lt;L8&gt;</c> samples).
/// </summary>
public sealed class FashionMNIST : InMemoryImageDataset
{
    /// <summary>Reads the split <paramref name="options"/> names.</summary>
    /// <exception cref="DatasetFormatException">A file is missing, truncated, not IDX, or the two files disagree.</exception>
    public FashionMNIST(MNISTOptions options) : this(options, MnistReader.Read(options, StandardClasses, "Fashion-MNIST"))
    {
    }

    private FashionMNIST(MNISTOptions options, (InMemoryImages Images, int Rows, int Columns) read)
        : base(options.Pipeline, read.Images.Pixels, read.Images.Labels, 1, read.Rows, read.Columns, read.Images.Classes, options.TestMode)
    {
    }

    /// <summary>The ten class names, <c>T-shirt/top</c> .. <c>Ankle boot</c>.</summary>
    public static IReadOnlyList<string> StandardClasses { get; } = Array.AsReadOnly(
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]);
}
