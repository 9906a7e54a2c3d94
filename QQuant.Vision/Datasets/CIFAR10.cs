namespace QQuant.Vision;

/// <summary>
/// CIFAR-10 (<c>type: CIFAR10</c>) from its binary version: <c>data_batch_1.bin</c> .. <c>data_batch_5.bin</c>
/// (50 000 training images) or <c>test_batch.bin</c> (10 000, with <c>testMode</c>), in
/// <c>dataPrefix</c> or its <c>cifar-10-batches-bin</c> sub-folder. Samples are 32x32 <c>Image&lt;Rgb24&gt;</c>.
/// </summary>
public sealed class CIFAR10 : InMemoryImageDataset
{
    private const string SubFolder = "cifar-10-batches-bin";

    /// <summary>Reads the split <paramref name="options"/> names.</summary>
    /// <exception cref="DatasetFormatException">A file is missing, truncated or holds a label above 9.</exception>
    public CIFAR10(CIFAROptions options) : this(options, Read(options))
    {
    }

    private CIFAR10(CIFAROptions options, InMemoryImages images)
        : base(options.Pipeline, images.Pixels, images.Labels, 3, CifarBinary.Side, CifarBinary.Side, images.Classes, options.TestMode)
    {
    }

    /// <summary>The ten class names, indexed by label (<c>airplane</c> .. <c>truck</c>).</summary>
    public static IReadOnlyList<string> StandardClasses { get; } =
        Array.AsReadOnly(["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]);

    private static InMemoryImages Read(CIFAROptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        string folder = DatasetFiles.Folder(options.DataPrefix);
        string[] names = options.TestMode
            ? ["test_batch.bin"]
            : ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];
        string[] files = names.Select(n => DatasetFiles.Find(folder, [SubFolder], [n], $"CIFAR-10 '{n}'")).ToArray();
        (byte[] pixels, int[] labels) = CifarBinary.Read(files, labelBytes: 1, labelIndex: 0, StandardClasses.Count);
        IReadOnlyList<string> classes = DatasetClasses.Resolve(options.Classes, () => StandardClasses);
        DatasetClasses.EnsureCovers(classes, labels, Path.GetDirectoryName(files[0])!);
        return new InMemoryImages(pixels, labels, classes);
    }
}
