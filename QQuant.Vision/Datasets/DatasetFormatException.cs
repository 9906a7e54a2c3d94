namespace QQuant.Vision;

/// <summary>
/// A dataset's files are missing, empty or not in the expected format. The message names the file or folder (and the
/// 1-based line of an annotation file) and says what was expected.
/// </summary>
public sealed class DatasetFormatException : QQuantException
{
    /// <summary>Creates the exception for <paramref name="path"/> with a message that already names it.</summary>
    public DatasetFormatException(string path, string message) : base(message) => Path = path;

    /// <summary>Creates the exception for <paramref name="path"/> with the error that caused it.</summary>
    public DatasetFormatException(string path, string message, Exception innerException) : base(message, innerException) =>
        Path = path;

    /// <summary>The file or folder at fault.</summary>
    public string Path { get; }
}
