using System.Diagnostics;

namespace QQuant.Training;

/// <summary>
/// The <c>memory</c> field of the training log, in MB. The reference prints peak CUDA memory; TorchSharp 0.107 exposes
/// no allocator statistics, so QQuant prints the process's peak resident memory (Linux VmHWM, Windows peak working
/// set), which on a GPU run counts host memory only.
/// </summary>
public static class MemoryUsage
{
    /// <summary>The process's peak resident memory so far, in MB.</summary>
    public static long PeakResidentMb()
    {
        using Process process = Process.GetCurrentProcess();
        process.Refresh();
        return process.PeakWorkingSet64 / (1024 * 1024);
    }
}
