namespace QQuant.Vision;

/// <summary>
/// The 1000 ImageNet-1k class names in the standard label order (label 0 is <c>tench, Tinca tinca</c>, label 999
/// <c>toilet tissue, toilet paper, bathroom tissue</c>), the <c>CLASSES</c> of the reference's ImageNet datasets. The
/// list comes from MMClassification (Apache-2.0) and names <c>crane</c> twice (labels 134 and 517), as ImageNet does.
/// </summary>
public static class ImageNetClasses
{
    private const string ResourceName = "QQuant.Vision.Resources.imagenet-classes.txt";

    private static readonly Lazy<IReadOnlyList<string>> NamesLazy = new(Load);

    /// <summary>The number of classes, 1000.</summary>
    public const int Count = 1000;

    /// <summary>The class names, indexed by label.</summary>
    public static IReadOnlyList<string> Names => NamesLazy.Value;

    private static IReadOnlyList<string> Load()
    {
        using Stream stream = typeof(ImageNetClasses).Assembly.GetManifestResourceStream(ResourceName)
                              ?? throw new QQuantException($"The embedded resource {ResourceName} is missing from {typeof(ImageNetClasses).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        var names = new List<string>(Count);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                names.Add(line);
            }
        }

        if (names.Count != Count)
        {
            throw new QQuantException($"The embedded resource {ResourceName} holds {names.Count} class names instead of {Count}.");
        }

        return names.AsReadOnly();
    }
}
