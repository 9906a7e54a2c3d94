namespace QQuant.Native;

/// <summary>
/// Finds libLibTorchSharp.so and the libstdc++ this process uses, reads their ELF version records and says whether
/// the GLIBCXX_3.4.32 patch was needed and is present.
/// </summary>
internal static class NativeLibraryInspector
{
    private const string Required = LibTorchSharpPatcher.RequiredVersion;

    public static NativeLibraryReport InspectThisProcess()
    {
        if (!OperatingSystem.IsLinux())
        {
            return new NativeLibraryReport
            {
                State = NativePatchState.NotApplicable,
                Summary = $"The {Required} patch concerns Linux only; this is {System.Runtime.InteropServices.RuntimeInformation.OSDescription}.",
            };
        }

        IReadOnlyList<string> mapped = MappedFiles();
        string? library = mapped.FirstOrDefault(p => Path.GetFileName(p) == LibTorchSharpPatcher.FileName)
            ?? NativeSearchDirectories().Select(d => Path.Combine(d, LibTorchSharpPatcher.FileName)).FirstOrDefault(File.Exists);
        string? libStdCxx = mapped.FirstOrDefault(p => Path.GetFileName(p).StartsWith("libstdc++.so", StringComparison.Ordinal))
            ?? LibraryDirectories().Select(d => Path.Combine(d, "libstdc++.so.6")).FirstOrDefault(File.Exists);
        return Inspect(library, libStdCxx);
    }

    /// <summary>The verdict for a given library and libstdc++ (either may be null when not found).</summary>
    public static NativeLibraryReport Inspect(string? libraryPath, string? libStdCxxPath)
    {
        if (libraryPath is null)
        {
            return new NativeLibraryReport
            {
                State = NativePatchState.LibraryNotFound,
                Summary = $"No {LibTorchSharpPatcher.FileName} was found where this application loads native libraries from; "
                    + "is a TorchSharp backend package (TorchSharp-cpu, TorchSharp-cuda-linux) referenced?",
                LibStdCxxPath = libStdCxxPath,
            };
        }

        (ElfVersionInfo? library, string? libraryError) = TryRead(libraryPath);
        if (library is null)
        {
            return new NativeLibraryReport
            {
                State = NativePatchState.Unreadable,
                Summary = $"{libraryPath} could not be read: {libraryError}.",
                LibraryPath = libraryPath,
                LibStdCxxPath = libStdCxxPath,
            };
        }

        ElfVersionNeed? need = library.FindNeed(Required);
        List<string>? definitions = null;
        string libStdCxxText = libStdCxxPath ?? "libstdc++.so.6 (not found)";
        if (libStdCxxPath is not null)
        {
            (ElfVersionInfo? libStdCxx, string? libStdCxxError) = TryRead(libStdCxxPath);
            definitions = libStdCxx?.Definitions;
            if (libStdCxx is null)
            {
                libStdCxxText = $"{libStdCxxPath} (unreadable: {libStdCxxError})";
            }
        }

        string? newest = definitions is null ? null : NewestGlibcxx(definitions);
        string lacks = newest is null ? $"{libStdCxxText} may lack" : $"{libStdCxxText} lacks (its newest is {newest})";
        bool provides = definitions?.Contains(Required) ?? false;
        (NativePatchState state, string summary) = need switch
        {
            null => (NativePatchState.NotRequired,
                $"{libraryPath} does not need {Required}: no patch needed."),
            { IsWeak: true } when provides => (NativePatchState.AppliedNotNeeded,
                $"{libraryPath} has its {Required} need marked weak (patched), but {libStdCxxText} provides {Required}: the patch was not needed here."),
            { IsWeak: true } => (NativePatchState.Applied,
                $"{libraryPath} needs {Required}, which {lacks}; the need is marked weak (patched): the patch was needed and is applied."),
            _ when provides => (NativePatchState.NotNeeded,
                $"{libraryPath} needs {Required} and {libStdCxxText} provides it: no patch needed, none applied."),
            _ => (NativePatchState.Missing,
                $"{libraryPath} needs {Required}, which {lacks}, and the need is not marked weak: the patch is needed but missing "
                + "(built with -p:QQuantPatchLibTorchSharp=false, or copied from a build made elsewhere?)."),
        };
        return new NativeLibraryReport
        {
            State = state,
            Summary = summary,
            LibraryPath = libraryPath,
            LibStdCxxPath = libStdCxxPath,
            NewestGlibcxx = newest,
        };
    }

    /// <summary>The highest GLIBCXX_x.y.z among version definitions, compared numerically.</summary>
    public static string? NewestGlibcxx(IEnumerable<string> definitions)
    {
        const string prefix = "GLIBCXX_";
        return definitions
            .Where(d => d.StartsWith(prefix, StringComparison.Ordinal) && Version.TryParse(d[prefix.Length..], out _))
            .OrderBy(d => Version.Parse(d[prefix.Length..]))
            .LastOrDefault();
    }

    private static (ElfVersionInfo? Info, string? Error) TryRead(string path)
    {
        try
        {
            return (ElfVersionInfo.Read(File.ReadAllBytes(path)), null);
        }
        catch (Exception e) when (e is ElfFormatException or IOException or UnauthorizedAccessException)
        {
            return (null, e.Message);
        }
    }

    private static IReadOnlyList<string> MappedFiles()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps))
        {
            return [];
        }

        // A line ends with the mapped file's path, if any: "addr perms offset dev inode   /path/to/file".
        return File.ReadLines(maps)
            .Select(line => line.IndexOf(" /", StringComparison.Ordinal) is var at and >= 0 ? line[(at + 1)..] : null)
            .OfType<string>()
            .Select(path => path.EndsWith(" (deleted)", StringComparison.Ordinal) ? path[..^" (deleted)".Length] : path)
            .Distinct()
            .ToList();
    }

    private static IEnumerable<string> NativeSearchDirectories()
    {
        string directories = AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") as string ?? "";
        return directories.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append(AppContext.BaseDirectory);
    }

    private static IEnumerable<string> LibraryDirectories()
    {
        string triplet = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.Arm64 => "aarch64-linux-gnu",
            _ => "x86_64-linux-gnu",
        };
        string fromEnvironment = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "";
        return fromEnvironment.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat([$"/lib/{triplet}", $"/usr/lib/{triplet}", "/lib64", "/usr/lib64", "/lib", "/usr/lib"]);
    }
}
