namespace QQuant;

/// <summary>
/// A weights or checkpoint file cannot be read or written: unknown extension, truncated or corrupt content, another
/// format than the extension says, or content QQuant does not support. The message names the file.
/// </summary>
public sealed class CheckpointFileException : QQuantException
{
    /// <summary>Creates the exception for <paramref name="filePath"/>.</summary>
    public CheckpointFileException(string filePath, string message) : base(message) => FilePath = filePath;

    /// <summary>Creates the exception for <paramref name="filePath"/> with the error that caused it.</summary>
    public CheckpointFileException(string filePath, string message, Exception innerException)
        : base(message, innerException) => FilePath = filePath;

    /// <summary>The file that could not be read or written.</summary>
    public string FilePath { get; }
}
