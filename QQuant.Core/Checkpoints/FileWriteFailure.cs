namespace QQuant;

/// <summary>
/// Turns a failed write of a checkpoint, state-dict file or <c>latest.ckpt</c> (a full disk, a folder that refuses
/// it) into a <see cref="CheckpointFileException"/> that says which and why. The writes go through
/// <see cref="AtomicFile"/>, so a previous file under that name is unchanged and no partial file is left.
/// </summary>
internal static class FileWriteFailure
{
    /// <summary>
    /// Runs <paramref name="write"/>; an I/O or access error becomes a <see cref="CheckpointFileException"/> naming
    /// <paramref name="path"/> and <paramref name="what"/> ("the checkpoint", "the state-dict file").
    /// </summary>
    public static void Guard(string path, string what, Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string cause = IsDiskFull(e) ? "the disk is full" : "the file system refused it";
            throw new CheckpointFileException(path, $"Cannot write {what} '{path}': {cause} ({e.Message}). "
                + "A previous file under that name is unchanged and no partial file is left.", e);
        }
    }

    private static bool IsDiskFull(Exception e) =>
        // ENOSPC on Linux and macOS; ERROR_DISK_FULL and ERROR_HANDLE_DISK_FULL on Windows.
        e.HResult is 28 or unchecked((int)0x80070070) or unchecked((int)0x80070027);
}
