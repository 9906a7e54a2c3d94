namespace QQuant;

/// <summary>
/// Writes a file so that it either appears complete under its name or not at all: the content goes to a temporary
/// file in the same folder, is flushed to disk, and then replaces the target in one rename. A failure (or a crash)
/// while writing leaves any previous file under that name untouched.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, which receives the temporary file's stream (readable and seekable too).</summary>
    /// <remarks>
    /// The folder is created if needed. If <paramref name="write"/> throws, the temporary file is deleted, and so is
    /// any folder this call created, and the error propagates.
    /// </remarks>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        WriteAll([(path, write)]);
    }

    /// <summary>
    /// Writes several files all or nothing (a report and its data, say): each is written to its temporary file first,
    /// and only when every one is complete are they renamed over their targets, in order.
    /// </summary>
    /// <remarks>
    /// Missing folders are created. If a <c>write</c> throws, or a target is a folder, every temporary file is deleted,
    /// every folder this call created is removed, no target has changed, and the error propagates.
    /// </remarks>
    public static void WriteAll(IReadOnlyList<(string Path, Action<Stream> Write)> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var targets = new List<(string Target, string Temporary)>();
        var createdFolders = new List<string>();
        bool renaming = false;
        try
        {
            foreach ((string path, Action<Stream> write) in files)
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(path);
                ArgumentNullException.ThrowIfNull(write);
                string target = Path.GetFullPath(path);
                string folder = Path.GetDirectoryName(target) ?? throw new ArgumentException($"'{path}' names no file.", nameof(files));
                if (FirstMissingFolder(folder) is { } created)
                {
                    createdFolders.Add(created);
                }

                Directory.CreateDirectory(folder);
                string temporary = Path.Combine(folder, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
                targets.Add((target, temporary));
                using var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16);
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            // A folder in a target's place would fail its rename after the others had been made: refuse it first.
            foreach ((string target, _) in targets.Where(t => Directory.Exists(t.Target)))
            {
                throw new IOException($"'{target}' is a folder, so no file can be written under that name.");
            }

            renaming = true;
            foreach ((string target, string temporary) in targets)
            {
                File.Move(temporary, target, overwrite: true);
            }
        }
        catch
        {
            foreach ((_, string temporary) in targets)
            {
                TryDelete(temporary);
            }

            if (!renaming)
            {
                foreach (string folder in createdFolders.AsEnumerable().Reverse())
                {
                    TryDeleteFolder(folder);
                }
            }

            throw;
        }
    }

    /// <summary>Deletes <paramref name="file"/> if it can; a failure is ignored (the caller's own error matters more).</summary>
    internal static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (IOException)
        {
            // The original error matters more than a temporary file that could not be removed.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    // The outermost folder of folder's path that does not exist yet (the one creating it makes first), or null.
    private static string? FirstMissingFolder(string folder)
    {
        string? missing = null;
        for (string? part = folder; part is not null && !Directory.Exists(part); part = Path.GetDirectoryName(part))
        {
            missing = part;
        }

        return missing;
    }

    private static void TryDeleteFolder(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // As for TryDelete: the original error matters more.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
