using System.Diagnostics;

namespace QQuant.Samples.Faults;

/// <summary>
/// A tmpfs of a given size mounted on a folder (Linux, as root), so a write can run out of space for real;
/// unmounted on Dispose.
/// </summary>
internal sealed class SmallDisk : IDisposable
{
    private SmallDisk(string folder) => Folder = folder;

    /// <summary>The mounted folder.</summary>
    public string Folder { get; }

    /// <summary>Why no small disk can be mounted here (not Linux, not permitted), or null when it can.</summary>
    public static string? WhyUnavailable(string scratch)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "a size-limited tmpfs needs Linux";
        }

        try
        {
            using SmallDisk probe = Mount(Path.Combine(scratch, "probe-disk"), 64 * 1024);
            return null;
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
    }

    /// <summary>Mounts a tmpfs of <paramref name="bytes"/> (rounded up to pages) on <paramref name="folder"/>, which is created.</summary>
    /// <exception cref="InvalidOperationException">mount failed (not root, or a container that forbids it).</exception>
    public static SmallDisk Mount(string folder, long bytes)
    {
        Directory.CreateDirectory(folder);
        (int code, string error) = Execute("mount", "-t", "tmpfs", "-o", $"size={(bytes + 1023) / 1024}k", "tmpfs", folder);
        if (code != 0)
        {
            throw new InvalidOperationException($"cannot mount a tmpfs (mount exited with {code}: {error.Trim()})");
        }

        return new SmallDisk(folder);
    }

    /// <summary>Fills the disk with a file, then gives back about <paramref name="free"/> bytes of it (whole pages).</summary>
    public void Fill(long free)
    {
        string filler = Path.Combine(Folder, "filler.bin");
        var chunk = new byte[4096];
        using var stream = new FileStream(filler, FileMode.Create, FileAccess.Write, FileShare.None, 1);
        try
        {
            while (true)
            {
                stream.Write(chunk);
            }
        }
        catch (IOException)
        {
            // The disk is full.
        }

        stream.SetLength(Math.Max(0, stream.Length - free));
    }

    public void Dispose()
    {
        if (Execute("umount", Folder).Code != 0)
        {
            Execute("umount", "-l", Folder);
        }
    }

    private static (int Code, string Error) Execute(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using Process process = Process.Start(start)!;
            string error = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, error);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
