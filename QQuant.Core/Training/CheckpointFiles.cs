namespace QQuant.Training;

/// <summary>
/// The checkpoint files of a work dir, as the reference names them: <c>epoch_&lt;k&gt;.ckpt</c> (k 1-based) and
/// <c>latest.ckpt</c>, which always points to a whole one: it is a symbolic link replaced by rename, or, where links
/// cannot be made, an atomically written copy.
/// </summary>
public static class CheckpointFiles
{
    /// <summary>The file name extension of QQuant checkpoints.</summary>
    public const string Extension = ".ckpt";

    /// <summary>The name of the pointer to the newest checkpoint.</summary>
    public const string LatestName = "latest" + Extension;

    /// <summary>The path of the checkpoint written after epoch <paramref name="epoch"/> (1-based).</summary>
    public static string ForEpoch(string workDir, int epoch) => Path.Combine(workDir, $"epoch_{epoch}{Extension}");

    /// <summary>The path of <c>latest.ckpt</c> in <paramref name="workDir"/>.</summary>
    public static string Latest(string workDir) => Path.Combine(workDir, LatestName);

    /// <summary>Makes <c>latest.ckpt</c> in the checkpoint's folder point to <paramref name="checkpoint"/>, atomically.</summary>
    public static void UpdateLatest(string checkpoint)
    {
        string full = Path.GetFullPath(checkpoint);
        string folder = Path.GetDirectoryName(full)!;
        string latest = Path.Combine(folder, LatestName);
        string temporary = Path.Combine(folder, $".{LatestName}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.CreateSymbolicLink(temporary, Path.GetFileName(full));
            File.Move(temporary, latest, overwrite: true);
            return;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            AtomicFile.TryDelete(temporary);
        }

        // Where links are not allowed (some Windows accounts, some network file systems), latest.ckpt is a copy.
        FileWriteFailure.Guard(latest, "the checkpoint", () => AtomicFile.Write(latest, stream =>
        {
            using FileStream source = File.OpenRead(full);
            source.CopyTo(stream);
        }));
    }
}
