namespace QQuant.Vision;

/// <summary>An image file could not be read: it is missing, unreadable, or not an image ImageSharp decodes.</summary>
public sealed class ImageLoadException : QQuantException
{
    /// <summary>Creates the exception for <paramref name="path"/>; <paramref name="problem"/> says what went wrong.</summary>
    public ImageLoadException(string path, string problem, Exception? innerException = null)
        : base($"Cannot load the image '{path}': {problem}", innerException ?? new IOException(problem))
    {
        FilePath = path;
    }

    /// <summary>The file that could not be loaded.</summary>
    public string FilePath { get; }
}
