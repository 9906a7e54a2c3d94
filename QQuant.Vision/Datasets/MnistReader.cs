namespace QQuant.Vision;

/// <summary>Finds and reads the four IDX files of MNIST and Fashion-MNIST.</summary>
internal static class MnistReader
{
    /// <summary>The images, labels and class names of the split <paramref name="options"/> names.</summary>
    public static (InMemoryImages Images, int Rows, int Columns) Read(MNISTOptions options, IReadOnlyList<string> standardClasses, string dataset)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        string folder = DatasetFiles.Folder(options.DataPrefix);
        string split = options.TestMode ? "t10k" : "train";
        string imagesFile = Find(folder, split, "images", "idx3", dataset);
        string labelsFile = Find(folder, split, "labels", "idx1", dataset);
        (byte[] pixels, int count, int rows, int columns) = IdxFile.ReadImages(imagesFile);
        int[] labels = IdxFile.ReadLabels(labelsFile, standardClasses.Count);
        if (labels.Length != count)
        {
            throw new DatasetFormatException(labelsFile,
                $"The {dataset} files disagree: '{imagesFile}' holds {count} images, '{labelsFile}' holds {labels.Length} labels.");
        }

        IReadOnlyList<string> classes = DatasetClasses.Resolve(options.Classes, () => standardClasses);
        DatasetClasses.EnsureCovers(classes, labels, labelsFile);
        return (new InMemoryImages(pixels, labels, classes), rows, columns);
    }

    private static string Find(string folder, string split, string what, string idx, string dataset)
    {
        string dashed = $"{split}-{what}-{idx}-ubyte";
        string dotted = $"{split}-{what}.{idx}-ubyte";
        return DatasetFiles.Find(folder, ["raw"], [dashed, dashed + ".gz", dotted, dotted + ".gz"], $"{dataset} {split} {what}");
    }
}
