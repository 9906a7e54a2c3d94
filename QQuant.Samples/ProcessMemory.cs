using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace QQuant.Samples;

/// <summary>
/// The process's resident memory from <c>/proc/self/status</c> (Linux): now, and its peak since the last
/// <see cref="ResetPeak"/>. Elsewhere every reading is NaN.
/// </summary>
internal static partial class ProcessMemory
{
    /// <summary>Resident memory now, in KiB, after returning the allocator's free memory to the system.</summary>
    public static double ResidentKilobytes()
    {
        TrimAllocator();
        return Read("VmRSS");
    }

    /// <summary>The highest resident memory since the last <see cref="ResetPeak"/>, in KiB.</summary>
    public static double PeakKilobytes() => Read("VmHWM");

    /// <summary>Returns the allocator's free memory and starts the peak again from the resident memory now.</summary>
    public static void ResetPeak()
    {
        TrimAllocator();
        if (OperatingSystem.IsLinux())
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
    }

    /// <summary>
    /// True when glibc was told at start (<c>MALLOC_MMAP_THRESHOLD_</c>) to give large blocks their own mappings, so
    /// resident memory follows the live tensors. By default it keeps freed blocks of up to 32 MiB for reuse, and a
    /// peak then depends on the order of earlier allocations more than on what is alive.
    /// </summary>
    public static bool FollowsLiveMemory => Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is { Length: > 0 };

    private static double Read(string key)
    {
        if (!OperatingSystem.IsLinux())
        {
            return double.NaN;
        }

        Match match = Regex.Match(File.ReadAllText("/proc/self/status"), $@"{key}:\s+(\d+) kB");
        return match.Success ? double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : double.NaN;
    }

    private static void TrimAllocator()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            malloc_trim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl has no malloc_trim): the readings then include the allocator's free memory.
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static partial int malloc_trim(nuint pad);
}
