namespace QQuant;

/// <summary>
/// Checks the files a command names before any work starts, as <see cref="Devices.Parse"/> does for devices: an input
/// must exist, an output must be writable where it is named. Errors name the option or key and the full path.
/// </summary>
public static class FilePaths
{
    /// <summary>
    /// Returns the full path of the existing file <paramref name="path"/>; <paramref name="key"/> (an option or a
    /// config key, e.g. <c>--checkpoint</c>) is named in the error, with the nearest files in the same folder.
    /// </summary>
    /// <exception cref="FilePathException">The file does not exist, is a folder, or is a link to a missing file.</exception>
    public static string RequireExisting(string path, string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(key);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new FilePathException(key, full, $"{key}: '{full}' is a folder, not a file.");
        }

        if (!File.Exists(full))
        {
            throw new FilePathException(key, full, $"{key}: '{full}' does not exist{Nearby(full)}.");
        }

        // File.Exists is true for a symbolic link whose target is gone (a latest.ckpt left pointing nowhere).
        if (new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true) is { Exists: false } target)
        {
            throw new FilePathException(key, full, $"{key}: '{full}' is a link to '{target.FullName}', which does not exist.");
        }

        return full;
    }

    /// <summary>
    /// Returns the full path of the output file <paramref name="path"/> after checking that it can be written there:
    /// it is not a folder, and no file stands where a folder above it must be (missing folders are created when the
    /// file is written, as <see cref="AtomicFile"/> does). Nothing is created or written.
    /// </summary>
    /// <exception cref="FilePathException">A folder has the file's name, or a file is in the way of its folder.</exception>
    public static string RequireWritable(string path, string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(key);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new FilePathException(key, full, $"{key}: '{full}' is a folder; name a file (in it or elsewhere).");
        }

        RequireFolderPossible(full, Path.GetDirectoryName(full), key, "write");
        return full;
    }

    /// <summary>
    /// Returns the full path of the folder <paramref name="path"/> after checking that it exists or can be created:
    /// neither it nor a folder above it is a file. Nothing is created.
    /// </summary>
    /// <exception cref="FilePathException">A file has the folder's name or stands where a folder above it must be.</exception>
    public static string RequireFolder(string path, string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(key);
        string full = Path.GetFullPath(path);
        RequireFolderPossible(full, full, key, "make");
        return full;
    }

    // Walks up from folder to the first part that exists: it must be a folder, not a file.
    private static void RequireFolderPossible(string full, string? folder, string key, string verb)
    {
        for (string? part = folder; part is not null; part = Path.GetDirectoryName(part))
        {
            if (Directory.Exists(part))
            {
                return;
            }

            if (File.Exists(part))
            {
                throw new FilePathException(key, full, part == full
                    ? $"{key}: '{full}' is a file, not a folder."
                    : $"{key}: cannot {verb} '{full}': '{part}' is a file, not a folder.");
            }
        }
    }

    private static string Nearby(string full)
    {
        string folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
        {
            return $" (the folder '{folder}' does not exist either)";
        }

        string name = Path.GetFileName(full);
        string extension = Path.GetExtension(name);
        // Files of the same kind only (a checkpoint's nearest names are checkpoints, not the configs beside it), and
        // the first few thousand: enough to catch a typo, where an image folder may hold a million.
        string[] candidates = [.. Directory.EnumerateFiles(folder).Select(Path.GetFileName).OfType<string>()
            .Where(f => !f.StartsWith('.') && (extension.Length == 0 || f.EndsWith(extension, StringComparison.OrdinalIgnoreCase)))
            .Take(4096)];
        string nearest = NearestNames.Suggest(name, candidates);
        return nearest.Length == 0 ? "" : $" ({nearest})";
    }
}
