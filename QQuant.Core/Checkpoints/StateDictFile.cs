using TorchSharp;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// Reads and writes state dicts (name → tensor) as files, choosing the format by extension: <c>.safetensors</c>,
/// PyTorch's <c>.pth</c>/<c>.pt</c> (read and write, through TorchSharp.PyBridge) and TorchSharp's <c>.dat</c> (what
/// <c>module.save</c> writes). A QQuant <see cref="Checkpoint"/> also reads as its model's state dict. No format
/// here runs code while loading. Files are written atomically.
/// </summary>
public static class StateDictFile
{
    /// <summary>The extensions understood, with the leading dot.</summary>
    public static IReadOnlyList<string> SupportedExtensions { get; } = [".safetensors", ".pth", ".pt", ".dat"];

    /// <summary>
    /// Reads every tensor of <paramref name="path"/> into new CPU tensors (the caller owns them). A <c>.pth</c> file
    /// may also be a checkpoint dict with the state dict under <c>state_dict</c> or <c>model</c>; a QQuant checkpoint
    /// (whatever its extension) gives its model state.
    /// </summary>
    /// <exception cref="CheckpointFileException">Unknown extension, missing, truncated or corrupt file.</exception>
    public static Dictionary<string, Tensor> Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new CheckpointFileException(path, $"The state-dict file '{path}' does not exist.");
        }

        string extension = ExtensionOf(path);

        if (Checkpoint.IsCheckpoint(path))
        {
            using Checkpoint checkpoint = Checkpoint.Load(path);
            return checkpoint.TakeModelState();
        }

        using FileStream stream = File.OpenRead(path);
        return extension switch
        {
            ".safetensors" => SafeTensorsFormat.Read(stream, path, out _),
            ".dat" => TorchSharpDatFormat.Read(stream, path),
            _ => PyTorchPickleFormat.Read(stream, path),
        };
    }

    /// <summary>Writes <paramref name="stateDict"/> to <paramref name="path"/> in the format its extension names, atomically.</summary>
    /// <param name="path">The file; its extension picks the format.</param>
    /// <param name="stateDict">The tensors, on any device (copied to the CPU while writing).</param>
    /// <param name="metadata">Free-form strings for the safetensors header; other formats take none.</param>
    /// <exception cref="CheckpointFileException">Unknown extension, or the file cannot be written (a full disk, a folder that refuses it); a previous file under that name is left as it was.</exception>
    /// <exception cref="ArgumentException">Metadata for a format without a place for it, or a tensor type the format cannot store.</exception>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> stateDict, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(stateDict);
        string extension = ExtensionOf(path);
        if (metadata is { Count: > 0 } && extension != ".safetensors")
        {
            throw new ArgumentException($"Only .safetensors files carry metadata; '{path}' is a {extension} file.", nameof(metadata));
        }

        FileWriteFailure.Guard(path, "the state-dict file", () => AtomicFile.Write(path, stream =>
        {
            switch (extension)
            {
                case ".safetensors":
                    SafeTensorsFormat.Write(stream, stateDict, metadata);
                    break;
                case ".dat":
                    TorchSharpDatFormat.Write(stream, stateDict);
                    break;
                default:
                    PyTorchPickleFormat.Write(stream, stateDict);
                    break;
            }
        }));
    }

    /// <summary>Writes <paramref name="module"/>'s state dict (parameters and buffers) to <paramref name="path"/>.</summary>
    public static void Save(string path, nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        Save(path, module.state_dict());
    }

    /// <summary>Reads <paramref name="path"/> and loads it into <paramref name="module"/> (see <see cref="StateDictLoader.Load"/>).</summary>
    /// <param name="module">The module to fill.</param>
    /// <param name="path">The state-dict file.</param>
    /// <param name="options">Key map and strictness; the report's source is <paramref name="path"/>.</param>
    /// <exception cref="CheckpointFileException">The file cannot be read.</exception>
    /// <exception cref="StateDictMismatchException">Strict and the keys or shapes do not match; the module is unchanged.</exception>
    public static StateDictLoadReport LoadInto(nn.Module module, string path, StateDictLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        Dictionary<string, Tensor> state = Load(path);
        try
        {
            return StateDictLoader.Load(module, state, (options ?? new StateDictLoadOptions()) with { Source = $"'{path}'" });
        }
        finally
        {
            foreach (Tensor t in state.Values)
            {
                t.Dispose();
            }
        }
    }

    private static string ExtensionOf(string path)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (!SupportedExtensions.Contains(extension))
        {
            throw new CheckpointFileException(path, $"Cannot tell the format of '{path}' from its extension "
                + $"'{extension}'; supported are {string.Join(", ", SupportedExtensions)}.");
        }

        return extension;
    }
}
