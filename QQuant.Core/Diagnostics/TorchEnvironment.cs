using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using QQuant.Native;
using TorchSharp;

namespace QQuant;

/// <summary>Loads TorchSharp with a clear error when it cannot, and describes the environment QQuant runs in.</summary>
public static class TorchEnvironment
{
    /// <summary>
    /// Makes sure TorchSharp's native library is loaded. Throws <see cref="TorchLoadException"/> naming the cause
    /// (missing backend package, unpatched libLibTorchSharp.so on an older libstdc++, ...) instead of TorchSharp's
    /// own message, which always blames a missing libtorch package.
    /// </summary>
    public static void EnsureLoaded()
    {
        Exception? error = TryLoad();
        if (error is not null)
        {
            throw new TorchLoadException(NativeLibraryInspector.InspectThisProcess(), error);
        }
    }

    /// <summary>What libLibTorchSharp.so and libstdc++ this process uses, and whether the GLIBCXX patch was needed.</summary>
    public static NativeLibraryReport InspectNativeLibrary() => NativeLibraryInspector.InspectThisProcess();

    /// <summary>Collects the environment report. Never throws for a TorchSharp that fails to load: the report says so.</summary>
    public static TorchEnvironmentReport Describe()
    {
        Exception? loadError = TryLoad();
        bool loaded = loadError is null;
        bool cuda = loaded && torch.cuda.is_available();
        int cudaDevices = cuda ? torch.cuda.device_count() : 0;
        NativeLibraryReport native = NativeLibraryInspector.InspectThisProcess();
        return new TorchEnvironmentReport
        {
            QQuantVersion = VersionOf(typeof(TorchEnvironment).Assembly),
            TorchSharpVersion = VersionOf(typeof(torch).Assembly),
            BackendPackages = BackendPackages(),
            TorchLoaded = loaded,
            TorchLoadError = loadError is null ? null : new TorchLoadException(native, loadError).Message,
            LibTorchVersion = loaded ? torch.__version__ : null,
            Threads = loaded ? torch.get_num_threads() : null,
            InteropThreads = loaded ? torch.get_num_interop_threads() : null,
            CudaAvailable = cuda,
            CudnnAvailable = loaded && torch.cuda.is_cudnn_available(),
            CudaDevices = Enumerable.Range(0, cudaDevices).Select(i => $"cuda:{i}").ToList(),
            MpsAvailable = loaded && torch.mps_is_available(),
            OperatingSystem = OperatingSystemName(),
            Runtime = RuntimeInformation.FrameworkDescription,
            RuntimeIdentifier = RuntimeInformation.RuntimeIdentifier,
            ProcessorCount = Environment.ProcessorCount,
            NativeLibrary = native,
        };
    }

    private static Exception? TryLoad()
    {
        try
        {
            torch.get_num_threads();
            return null;
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException
                                     or EntryPointNotFoundException or BadImageFormatException)
        {
            return e;
        }
    }

    private static string VersionOf(Assembly assembly)
    {
        string version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString()
            ?? "unknown";
        int metadata = version.IndexOf('+', StringComparison.Ordinal);
        return metadata < 0 ? version : version[..metadata];
    }

    private static string OperatingSystemName()
    {
        const string osRelease = "/etc/os-release";
        if (OperatingSystem.IsLinux() && File.Exists(osRelease))
        {
            string? pretty = File.ReadLines(osRelease)
                .FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?["PRETTY_NAME=".Length..].Trim('"');
            if (!string.IsNullOrEmpty(pretty))
            {
                return $"{pretty} (kernel {Environment.OSVersion.Version}, {RuntimeInformation.OSArchitecture})";
            }
        }

        return $"{RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture})";
    }

    // TorchSharp-cpu/0.107.0, libtorch-cpu-linux-x64/2.10.0, ... as listed in the application's .deps.json.
    private static List<string> BackendPackages()
    {
        string depsFiles = AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string ?? "";
        var packages = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string depsFile in depsFiles.Split(';', StringSplitOptions.RemoveEmptyEntries).Where(File.Exists))
        {
            using JsonDocument deps = JsonDocument.Parse(File.ReadAllText(depsFile));
            if (!deps.RootElement.TryGetProperty("libraries", out JsonElement libraries))
            {
                continue;
            }

            foreach (JsonProperty library in libraries.EnumerateObject())
            {
                if (library.Name.StartsWith("TorchSharp-", StringComparison.OrdinalIgnoreCase)
                    || library.Name.StartsWith("libtorch-", StringComparison.OrdinalIgnoreCase))
                {
                    packages.Add(library.Name);
                }
            }
        }

        return [.. packages];
    }
}
