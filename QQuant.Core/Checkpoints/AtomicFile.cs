namespace QQuant;

/// <summary>
/// Writes a file so that it either appears complete under its name or not at all: the content goes to a temporary
/// file in the same folder, is flushed to disk, and then replaces the target in one rename. A failure (or a crash)
/// while writing leaves any previous file under that name untouched.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, which receives the temporary file's stream (readable and seekable too).</summary>
    /// <remarks>The folder is created if needed. If <paramref name="write"/> throws, the temporary file is deleted and the error propagates.</remarks>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        string target = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(target) ?? throw new ArgumentException($"'{path}' names no file.", nameof(path));
        Directory.CreateDirectory(folder);
        string temporary = Path.Combine(folder, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
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
}
