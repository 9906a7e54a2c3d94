namespace QQuant;

/// <summary>
/// TorchSharp's native library could not be loaded. The message replaces TorchSharp's own (which blames a missing
/// libtorch package whatever the cause) with what was found about libLibTorchSharp.so and libstdc++.
/// </summary>
public sealed class TorchLoadException : QQuantException
{
    /// <summary>Creates the exception from the native-library findings and TorchSharp's original error.</summary>
    public TorchLoadException(NativeLibraryReport nativeLibrary, Exception innerException)
        : base(BuildMessage(nativeLibrary, innerException), innerException)
    {
        NativeLibrary = nativeLibrary;
    }

    /// <summary>What was found about libLibTorchSharp.so and the libstdc++ this process uses.</summary>
    public NativeLibraryReport NativeLibrary { get; }

    private static string BuildMessage(NativeLibraryReport nativeLibrary, Exception innerException)
    {
        Exception root = innerException;
        while (root.InnerException is not null)
        {
            root = root.InnerException;
        }

        return $"TorchSharp's native library could not be loaded. {nativeLibrary.Summary} "
            + "Reference a backend package (TorchSharp-cpu, TorchSharp-cuda-linux or TorchSharp-cuda-windows) in the application, "
            + "and on Linux build it with QQuant.Core's targets enabled (do not pass -p:QQuantPatchLibTorchSharp=false). "
            + $"TorchSharp said: {root.Message.Trim()}";
    }
}
