namespace QQuant;

/// <summary>
/// A file a command or a call names cannot be used: an input that does not exist (or is a folder), or an output that
/// cannot be written where it is named (a folder is in its place, or a file is in the way of its folder). The message
/// starts with the option or key that named it and, for a missing input, lists the nearest files beside it.
/// </summary>
public sealed class FilePathException : QQuantException
{
    /// <summary>Creates the exception for <paramref name="filePath"/>, named by <paramref name="key"/>.</summary>
    public FilePathException(string key, string filePath, string message) : base(message)
    {
        Key = key;
        FilePath = filePath;
    }

    /// <summary>The option or key that named the file, such as <c>--out</c> or <c>checkpoint</c>.</summary>
    public string Key { get; }

    /// <summary>The file's full path.</summary>
    public string FilePath { get; }
}
