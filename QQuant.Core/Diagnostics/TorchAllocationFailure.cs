using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace QQuant;

/// <summary>
/// Recognises libtorch's refusal to allocate a tensor (CPU allocator or CUDA out of memory), which TorchSharp
/// raises as a bare <see cref="ExternalException"/> carrying a native stack trace.
/// </summary>
public static partial class TorchAllocationFailure
{
    /// <summary>True when <paramref name="e"/> is an allocation failure; <paramref name="summary"/> is then one readable line.</summary>
    public static bool TryDescribe(Exception e, out string summary)
    {
        summary = "";
        if (e is OutOfMemoryException)
        {
            summary = "the process ran out of memory";
            return true;
        }

        if (e is not ExternalException || e.Message is not { } message)
        {
            return false;
        }

        if (CpuRequest().Match(message) is { Success: true } cpu)
        {
            summary = $"libtorch could not allocate {cpu.Groups["bytes"].Value} bytes";
            return true;
        }

        if (message.Contains("CUDA out of memory", StringComparison.Ordinal))
        {
            summary = "the GPU ran out of memory";
            return true;
        }

        return false;
    }

    [GeneratedRegex(@"can't allocate memory: you tried to allocate (?<bytes>\d+) bytes")]
    private static partial Regex CpuRequest();
}
