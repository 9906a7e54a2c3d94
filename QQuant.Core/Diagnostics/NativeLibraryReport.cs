namespace QQuant;

/// <summary>What was found about TorchSharp's native library (libLibTorchSharp.so) and the libstdc++ it binds to.</summary>
public sealed class NativeLibraryReport
{
    /// <summary>The verdict: did the library need the patch here, and does it have it.</summary>
    public required NativePatchState State { get; init; }

    /// <summary>One sentence that explains <see cref="State"/> with the paths and versions involved.</summary>
    public required string Summary { get; init; }

    /// <summary>The libLibTorchSharp.so inspected, or null where none was found.</summary>
    public string? LibraryPath { get; init; }

    /// <summary>The libstdc++ this process uses (as mapped, else as found on the library path), or null.</summary>
    public string? LibStdCxxPath { get; init; }

    /// <summary>The newest GLIBCXX_x.y.z version that libstdc++ defines, e.g. GLIBCXX_3.4.30, or null if unknown.</summary>
    public string? NewestGlibcxx { get; init; }
}
