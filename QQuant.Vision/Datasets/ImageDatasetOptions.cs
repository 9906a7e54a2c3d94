namespace QQuant.Vision;

/// <summary>
/// The options every dataset shares, under the reference's names (<c>data_prefix</c>, <c>pipeline</c>,
/// <c>classes</c>, <c>test_mode</c>).
/// </summary>
public abstract class ImageDatasetOptions
{
    /// <summary>The folder that holds the dataset's files (<c>data_prefix</c>); required.</summary>
    public string DataPrefix { get; set; } = "";

    /// <summary>The transforms applied to every sample, in order (<c>pipeline</c>); none when unset.</summary>
    public IReadOnlyList<ITransform>? Pipeline { get; set; }

    /// <summary>
    /// Replaces the dataset's class names (<c>classes</c>): either the names themselves, or a single entry naming an
    /// existing text file (or ending in <c>.txt</c>) with one name per line. Null keeps the dataset's own names.
    /// </summary>
    public IReadOnlyList<string>? Classes { get; set; }

    /// <summary>
    /// Whether this is the evaluation split (<c>test_mode</c>): CIFAR and MNIST read their test files; ImageNet reads
    /// the same files either way (point <see cref="DataPrefix"/> or the annotation file at the split you want).
    /// </summary>
    public bool TestMode { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> when <see cref="DataPrefix"/> is not set.</summary>
    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(DataPrefix))
        {
            throw new ArgumentException("dataPrefix is required: the folder that holds the dataset's files.");
        }
    }
}
