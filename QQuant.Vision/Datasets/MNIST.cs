namespace QQuant.Vision;

/// <summary>
/// MNIST (<c>type: MNIST</c>) from its IDX files, raw or gzipped: <c>train-images-idx3-ubyte</c> and
/// <c>train-labels-idx1-ubyte</c> (60 000 digits), or the <c>t10k-</c> pair (10 000, with <c>testMode</c>), in
/// <c>dataPrefix</c> or its <c>raw</c> sub-folder. Samples are 28x28 <c>Image&lt;L8&gt;</c>.
/// </summary>
public sealed class MNIST : InMemoryImageDataset
{
    /// <summary>Reads the split <paramref name="options"/> names.</summary>
    /// <exception cref="DatasetFormatException">A file is missing, truncated, not IDX, or the two files disagree.</exception>
    public MNIST(MNISTOptions options) : this(options, MnistReader.Read(options, StandardClasses, "MNIST"))
    {
    }

    private MNIST(MNISTOptions options, (InMemoryImages Images, int Rows, int Columns) read)
        : base(options.Pipeline, read.Images.Pixels, read.Images.Labels, 1, read.Rows, read.Columns, read.Images.Classes, options.TestMode)
    {
    }

    /// <summary>The ten class names as the reference spells them, <c>0 - zero</c> .. <c>9 - nine</c>.</summary>
    public static IReadOnlyList<string> StandardClasses { get; } = Array.AsReadOnly(
        ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]);
}
