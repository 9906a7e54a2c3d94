namespace QQuant.Vision;

/// <summary>Finds a dataset's files in its folder or in one of the standard sub-folders.</summary>
internal static class DatasetFiles
{
    /// <summary>The existing folder named by <c>dataPrefix</c>, or an error naming it.</summary>
    public static string Folder(string dataPrefix)
    {
        if (!Directory.Exists(dataPrefix))
        {
            throw new DatasetFormatException(dataPrefix, $"The dataset folder '{Path.GetFullPath(dataPrefix)}' (dataPrefix) does not exist.");
        }

        return dataPrefix;
    }

    /// <summary>
    /// The first of <paramref name="names"/> (tried in order) found in <paramref name="dataPrefix"/> or in one of its
    /// <paramref name="subFolders"/> (each tried before the prefix itself); an error listing every path tried otherwise.
    /// </summary>
    public static string Find(string dataPrefix, IReadOnlyList<string> subFolders, IReadOnlyList<string> names, string what)
    {
        List<string> folders = subFolders.Select(s => Path.Combine(dataPrefix, s)).Append(dataPrefix).ToList();
        List<string> tried = [];
        foreach (string folder in folders)
        {
            foreach (string name in names)
            {
                string path = Path.Combine(folder, name);
                if (File.Exists(path))
                {
                    return path;
                }

                tried.Add(path);
            }
        }

        throw new DatasetFormatException(dataPrefix,
            $"The {what} file is missing from '{Path.GetFullPath(dataPrefix)}'; looked for: {string.Join(", ", tried)}.");
    }
}
