namespace QQuant.Vision;

/// <summary>Resolves the <c>classes</c> option: a list of names, or one entry naming a text file of names.</summary>
internal static class DatasetClasses
{
    /// <summary>
    /// The names <paramref name="configured"/> asks for, or <paramref name="standard"/> when it is null. One entry that
    /// names an existing file, or ends in <c>.txt</c>, is read as a file with one name per line (blank lines skipped).
    /// </summary>
    public static IReadOnlyList<string> Resolve(IReadOnlyList<string>? configured, Func<IReadOnlyList<string>> standard)
    {
        if (configured is null)
        {
            return standard();
        }

        if (configured.Count == 0)
        {
            throw new ArgumentException("classes is empty: give the class names, or the path of a text file with one per line.");
        }

        if (configured.Count == 1 && (File.Exists(configured[0])
                                      || configured[0].EndsWith(".txt", StringComparison.OrdinalIgnoreCase)))
        {
            return ReadFile(configured[0]);
        }

        return configured.ToArray();
    }

    /// <summary>Throws when a label of <paramref name="source"/> has no class name.</summary>
    public static void EnsureCovers(IReadOnlyList<string> classes, ReadOnlySpan<int> labels, string source)
    {
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classes.Count)
            {
                throw new DatasetFormatException(source,
                    $"{source}: sample {i} has label {labels[i]}, but there are only {classes.Count} classes "
                    + $"(labels 0..{classes.Count - 1}); check the classes option.");
            }
        }
    }

    private static string[] ReadFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new DatasetFormatException(path,
                $"The classes file '{Path.GetFullPath(path)}' does not exist (classes names a .txt file with one class name per line).");
        }

        string[] names = File.ReadLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        if (names.Length == 0)
        {
            throw new DatasetFormatException(path, $"The classes file '{path}' holds no class names (one per line expected).");
        }

        return names;
    }
}
