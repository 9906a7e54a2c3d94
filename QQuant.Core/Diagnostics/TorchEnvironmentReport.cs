using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace QQuant;

/// <summary>
/// What QQuant runs on: versions, threads, devices, operating system, runtime and TorchSharp's native library.
/// The .NET counterpart of <c>python -m torch.utils.collect_env</c>; made by <see cref="TorchEnvironment.Describe"/>.
/// </summary>
public sealed class TorchEnvironmentReport
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>QQuant.Core's version, e.g. 0.1.0.</summary>
    public required string QQuantVersion { get; init; }

    /// <summary>The TorchSharp managed library's version, e.g. 0.107.0.</summary>
    public required string TorchSharpVersion { get; init; }

    /// <summary>The TorchSharp backend and libtorch packages this application references (from its .deps.json).</summary>
    public required IReadOnlyList<string> BackendPackages { get; init; }

    /// <summary>Whether TorchSharp's native library loaded in this process.</summary>
    public required bool TorchLoaded { get; init; }

    /// <summary>Why TorchSharp could not be loaded, or null when it loaded.</summary>
    public string? TorchLoadError { get; init; }

    /// <summary>The libtorch version TorchSharp reports, or null when it did not load.</summary>
    public string? LibTorchVersion { get; init; }

    /// <summary>libtorch's intra-op thread count, or null when it did not load.</summary>
    public int? Threads { get; init; }

    /// <summary>libtorch's inter-op thread count, or null when it did not load.</summary>
    public int? InteropThreads { get; init; }

    /// <summary>Whether CUDA is available to libtorch.</summary>
    public bool CudaAvailable { get; init; }

    /// <summary>Whether cuDNN is available to libtorch.</summary>
    public bool CudnnAvailable { get; init; }

    /// <summary>The CUDA devices, as device strings (cuda:0, cuda:1, ...).</summary>
    public required IReadOnlyList<string> CudaDevices { get; init; }

    /// <summary>Whether Apple's Metal (MPS) backend is available.</summary>
    public bool MpsAvailable { get; init; }

    /// <summary>The operating system, e.g. "Debian GNU/Linux 12 (bookworm)".</summary>
    public required string OperatingSystem { get; init; }

    /// <summary>The .NET runtime, e.g. ".NET 10.0.12".</summary>
    public required string Runtime { get; init; }

    /// <summary>The runtime identifier of this process, e.g. linux-x64.</summary>
    public required string RuntimeIdentifier { get; init; }

    /// <summary>The number of logical processors the process sees.</summary>
    public required int ProcessorCount { get; init; }

    /// <summary>libLibTorchSharp.so, libstdc++, and whether the GLIBCXX_3.4.32 patch was needed and applied.</summary>
    public required NativeLibraryReport NativeLibrary { get; init; }

    /// <summary>The report as indented JSON with camelCase names.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>The report as aligned "name: value" lines.</summary>
    public override string ToString()
    {
        static string YesNo(bool value) => value ? "yes" : "no";
        string notLoaded = "n/a (TorchSharp did not load)";
        var rows = new List<(string Name, string Value)>
        {
            ("QQuant version", QQuantVersion),
            ("TorchSharp version", TorchSharpVersion),
            ("Backend packages", BackendPackages.Count == 0 ? "none found in the .deps.json" : string.Join(", ", BackendPackages)),
            ("libtorch version", LibTorchVersion ?? notLoaded),
            ("Torch threads", Threads is null ? notLoaded : $"{Threads} intra-op, {InteropThreads} inter-op"),
            ("CUDA available", TorchLoaded ? YesNo(CudaAvailable) : notLoaded),
            ("CUDA devices", CudaDevices.Count == 0 ? "none" : string.Join(", ", CudaDevices)),
            ("cuDNN available", TorchLoaded ? YesNo(CudnnAvailable) : notLoaded),
            ("MPS available", TorchLoaded ? YesNo(MpsAvailable) : notLoaded),
            ("OS", OperatingSystem),
            (".NET runtime", $"{Runtime} ({RuntimeIdentifier})"),
            ("Processors", ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("TorchSharp native library", NativeLibrary.LibraryPath ?? "not found"),
            ("libstdc++", NativeLibrary.LibStdCxxPath is null ? "not found"
                : NativeLibrary.NewestGlibcxx is null ? NativeLibrary.LibStdCxxPath
                : $"{NativeLibrary.LibStdCxxPath} (newest {NativeLibrary.NewestGlibcxx})"),
            ("GLIBCXX_3.4.32 patch", PatchVerdict(NativeLibrary.State)),
            ("Native library check", NativeLibrary.Summary),
        };
        if (TorchLoadError is not null)
        {
            rows.Add(("TorchSharp load error", TorchLoadError));
        }

        int width = rows.Max(r => r.Name.Length) + 1;
        var text = new StringBuilder();
        foreach ((string name, string value) in rows)
        {
            text.Append((name + ":").PadRight(width + 1)).AppendLine(value);
        }

        return text.ToString();
    }

    private static string PatchVerdict(NativePatchState state) => state switch
    {
        NativePatchState.Applied => "needed here, and applied",
        NativePatchState.AppliedNotNeeded => "applied, not needed here",
        NativePatchState.NotNeeded => "not needed here, not applied",
        NativePatchState.NotRequired => "not needed: the library does not ask for GLIBCXX_3.4.32",
        NativePatchState.Missing => "needed but missing: TorchSharp cannot load",
        NativePatchState.LibraryNotFound => "unknown: libLibTorchSharp.so not found",
        NativePatchState.Unreadable => "unknown: a library could not be read",
        _ => "not applicable on this operating system",
    };
}
