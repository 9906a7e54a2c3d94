namespace QQuant;

/// <summary>
/// A config file (or one of its <c>_base_</c> files, or an override) that cannot be read or resolved: a missing file,
/// invalid JSON, a malformed <c>_base_</c>, a cycle of bases, or an override whose key path does not fit the config.
/// The message reads <c>Config file '/path/a.json', key 'optimizer.lr': what is wrong</c>, and names the nearest valid
/// keys where there are some.
/// </summary>
public sealed class ConfigFileException : QQuantException
{
    /// <summary>Creates the exception for <paramref name="problem"/> found in <paramref name="filePath"/> at <paramref name="keyPath"/>.</summary>
    public ConfigFileException(string? filePath, string? keyPath, string problem)
        : base(Format(filePath, keyPath, problem))
    {
        FilePath = filePath;
        KeyPath = keyPath;
        Problem = problem;
    }

    /// <summary>Creates the exception for <paramref name="problem"/> with the error that caused it.</summary>
    public ConfigFileException(string? filePath, string? keyPath, string problem, Exception innerException)
        : base(Format(filePath, keyPath, problem), innerException)
    {
        FilePath = filePath;
        KeyPath = keyPath;
        Problem = problem;
    }

    /// <summary>The file the problem is in (the including file for a missing or cyclic base); null for JSON given as a string without a source name.</summary>
    public string? FilePath { get; }

    /// <summary>
    /// Where in the file: a dotted key path (<c>data.train.pipeline.0.size</c>), <c>_base_</c> or <c>_base_[1]</c>;
    /// null when the problem concerns the whole file.
    /// </summary>
    public string? KeyPath { get; }

    /// <summary>What is wrong, without the file and the key (for wrapping in another exception's message).</summary>
    internal string Problem { get; }

    private static string Format(string? filePath, string? keyPath, string problem)
    {
        string where = filePath is null ? "Config JSON" : $"Config file '{filePath}'";
        return keyPath is null ? $"{where}: {problem}" : $"{where}, key '{keyPath}': {problem}";
    }
}
