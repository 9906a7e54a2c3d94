using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// One training-checkpoint file: the model's state dict (parameters and buffers, quantizer state included), the
/// optimizer's state (optional) and <see cref="CheckpointMeta"/>. Loading reads bytes, JSON and raw tensors only, so
/// it cannot run code. Saving is atomic: a failure or crash never leaves a half-written file under the final name.
/// </summary>
/// <remarks>
/// The file is an uncompressed zip archive (any zip tool can list it) with four entries: <c>format</c>
/// (<c>qquant.checkpoint/1</c>), <c>meta.json</c>, <c>model.safetensors</c> (readable by any safetensors reader) and,
/// when an optimizer was given, <c>optimizer.bin</c> (TorchSharp's <c>save_state_dict</c> stream: the optimizer's
/// type name, its parameter groups' hyperparameters and per-parameter state, in parameter order). A zip keeps the
/// parts separately readable and lets a later version add entries; storing without compression keeps saving fast.
/// The zip comment holds the CRC-32 of the whole file (<c>meta.json</c> says so in <c>file_checksum</c>), so a damaged
/// byte anywhere, zip headers included, is reported before anything is read.
/// </remarks>
public sealed class Checkpoint : IDisposable
{
    /// <summary>The format version this QQuant writes and the newest it reads.</summary>
    public const int FormatVersion = 1;

    private const string FormatEntry = "format";
    private const string MetaEntry = "meta.json";
    private const string ModelEntry = "model.safetensors";
    private const string OptimizerEntry = "optimizer.bin";
    private const string FormatName = "qquant.checkpoint";
    private const string FileChecksumKey = "file_checksum";

    private Dictionary<string, Tensor> _modelState;
    private readonly byte[]? _optimizerState;
    private bool _disposed;

    private Checkpoint(string path, CheckpointMeta meta, Dictionary<string, Tensor> modelState, byte[]? optimizerState)
    {
        Path = path;
        Meta = meta;
        _modelState = modelState;
        _optimizerState = optimizerState;
    }

    /// <summary>The file it was loaded from.</summary>
    public string Path { get; }

    /// <summary>The epoch, iteration, classes, configuration and other entries saved with the model.</summary>
    public CheckpointMeta Meta { get; }

    /// <summary>The model's tensors by key, on the CPU; owned by this object until it is disposed.</summary>
    public IReadOnlyDictionary<string, Tensor> ModelState => _modelState;

    /// <summary>True when the checkpoint holds optimizer state for <see cref="RestoreOptimizer"/>.</summary>
    public bool HasOptimizerState => _optimizerState is not null;

    /// <summary>The QQuant version of this library, as <see cref="Save"/> records it.</summary>
    public static string CurrentQQuantVersion { get; } =
        typeof(Checkpoint).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Checkpoint).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>The version of the TorchSharp assembly in use, as <see cref="Save"/> records it.</summary>
    public static string CurrentTorchSharpVersion { get; } =
        typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>Writes a checkpoint of <paramref name="model"/>, <paramref name="optimizer"/> and <paramref name="meta"/> to <paramref name="path"/>, atomically.</summary>
    /// <param name="path">The file to write (replaced if it exists; its folder is created).</param>
    /// <param name="model">The model; its tensors may be on any device (each is copied to the CPU while it is written).</param>
    /// <param name="optimizer">The optimizer, or null to save no optimizer state. Must be one of TorchSharp's (an <c>OptimizerHelper</c>).</param>
    /// <param name="meta">What to record; <see cref="CheckpointMeta.Time"/> defaults to now and the version is stamped.</param>
    /// <returns>The meta as written.</returns>
    /// <exception cref="CheckpointFileException">The file cannot be written (the disk is full, the folder is not writable, ...); a previous file under that name is left as it was.</exception>
    public static CheckpointMeta Save(string path, nn.Module model, optim.Optimizer? optimizer, CheckpointMeta meta)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(meta);
        OptimizerHelper? helper = optimizer switch
        {
            null => null,
            OptimizerHelper h => h,
            _ => throw new ArgumentException(
                $"Cannot save the state of {optimizer.GetType().Name}: checkpoints hold the state of TorchSharp's optimizers (SGD, Adam, AdamW, ...).",
                nameof(optimizer)),
        };
        CheckpointMeta written = meta with
        {
            Time = meta.Time ?? DateTimeOffset.Now,
            QQuantVersion = CurrentQQuantVersion,
            TorchSharpVersion = CurrentTorchSharpVersion,
        };
        FileWriteFailure.Guard(path, "the checkpoint", () => AtomicFile.Write(path, stream =>
        {
            using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
            {
                WriteEntry(archive, FormatEntry, s => s.Write(Encoding.UTF8.GetBytes($"{FormatName}/{FormatVersion}\n")));
                WriteEntry(archive, MetaEntry, s => s.Write(Encoding.UTF8.GetBytes(MetaToJson(written, helper))));
                WriteEntry(archive, ModelEntry, s => SafeTensorsFormat.Write(s, model.state_dict()));
                if (helper is not null)
                {
                    WriteEntry(archive, OptimizerEntry, s =>
                    {
                        using var writer = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true);
                        helper.save_state_dict(writer);
                    });
                }
            }

            FileChecksum.Append(stream);
        }));

        return written;
    }

    /// <summary>Reads the checkpoint at <paramref name="path"/> into memory (tensors on the CPU).</summary>
    /// <exception cref="CheckpointFileException">The file is missing, not a QQuant checkpoint, of a newer format, truncated or corrupt.</exception>
    public static Checkpoint Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new CheckpointFileException(path, $"The checkpoint '{path}' does not exist.");
        }

        // File.Exists is true for a symbolic link whose target is gone (a latest.ckpt left pointing nowhere).
        if (new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true) is { Exists: false } target)
        {
            throw new CheckpointFileException(path, $"The checkpoint '{path}' does not exist: it is a link to '{target.FullName}', which is missing.");
        }

        Dictionary<string, Tensor>? model = null;
        string part = "zip directory or headers";
        try
        {
            using FileStream stream = File.OpenRead(path);
            bool checksummed = CheckFileChecksum(stream, path);
            using var archive = new ZipArchive(stream, ZipArchiveMode.Read);
            part = $"'{FormatEntry}' entry";
            CheckFormat(archive, path);
            part = $"'{MetaEntry}' entry";
            (CheckpointMeta meta, bool expectsChecksum, bool expectsOptimizer) = MetaFromJson(ReadText(archive, MetaEntry, path), path);
            if (expectsChecksum && !checksummed)
            {
                throw new CheckpointFileException(path, $"The checkpoint '{path}' is damaged: its meta.json says the file ends in "
                    + "its CRC-32 checksum (the zip comment), but its end holds none; the file was cut short or its last bytes changed.");
            }

            part = $"'{ModelEntry}' entry";
            ZipArchiveEntry modelEntry = Entry(archive, ModelEntry, path);
            using (var modelStream = new Crc32ReadStream(modelEntry.Open()))
            {
                model = SafeTensorsFormat.Read(modelStream, $"{path}!{ModelEntry}", out _);
                modelStream.ReadToEnd();
                CheckCrc(modelEntry, modelStream.Crc, path);
            }

            foreach (Tensor t in model.Values)
            {
                t.DetachFromDisposeScope();
            }

            part = $"'{OptimizerEntry}' entry";
            byte[]? optimizerState = null;
            if (expectsOptimizer && archive.GetEntry(OptimizerEntry) is null)
            {
                throw new CheckpointFileException(path, $"The checkpoint '{path}' lacks its '{OptimizerEntry}' entry, which its "
                    + "meta.json says was saved with it (the file is damaged).");
            }

            if (archive.GetEntry(OptimizerEntry) is { } entry)
            {
                using var optimizerStream = new Crc32ReadStream(entry.Open());
                using var copy = new MemoryStream();
                optimizerStream.CopyTo(copy);
                CheckCrc(entry, optimizerStream.Crc, path);
                optimizerState = copy.ToArray();
            }

            return new Checkpoint(path, meta, model, optimizerState);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException and not FileNotFoundException)
        {
            DisposeAll(model);
            throw new CheckpointFileException(path, $"Cannot read the checkpoint '{path}': it is truncated or corrupt in its {part} ({e.Message}).", e);
        }
        catch (CheckpointFileException e) when (e.FilePath != path)
        {
            DisposeAll(model);
            throw new CheckpointFileException(path, $"Cannot read the checkpoint '{path}': its {part} is damaged: {e.Message}", e);
        }
        catch
        {
            DisposeAll(model);
            throw;
        }
    }

    /// <summary>True when <paramref name="path"/> is a zip archive with a QQuant checkpoint's <c>format</c> entry.</summary>
    public static bool IsCheckpoint(string path)
    {
        try
        {
            using FileStream stream = File.OpenRead(path);
            Span<byte> signature = stackalloc byte[4];
            if (stream.Read(signature) < 4 || signature[0] != (byte)'P' || signature[1] != (byte)'K')
            {
                return false;
            }

            stream.Position = 0;
            using var archive = new ZipArchive(stream, ZipArchiveMode.Read);
            return archive.GetEntry(FormatEntry) is { } entry && ReadAll(entry).StartsWith(FormatName + "/", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Loads the model state into <paramref name="module"/> (see <see cref="StateDictLoader.Load"/>), converting to its tensors' dtypes and devices.</summary>
    /// <param name="module">A model built like the one saved (quantized the same way, for quantizer state).</param>
    /// <param name="strict">True: any mismatch throws before anything changes. False: load what fits.</param>
    /// <param name="keyMap">Maps a saved key to the module key, or null to drop it; null for identical keys.</param>
    /// <exception cref="StateDictMismatchException">Strict and the keys or shapes do not match.</exception>
    public StateDictLoadReport LoadInto(nn.Module module, bool strict = true, Func<string, string?>? keyMap = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return StateDictLoader.Load(module, _modelState, new StateDictLoadOptions
        {
            Strict = strict,
            KeyMap = keyMap,
            Source = $"'{Path}'",
            AllowMissingQuantizerState = false,
        });
    }

    /// <summary>
    /// Restores the saved optimizer state into <paramref name="optimizer"/>, which must be of the same type and built
    /// over the same parameters in the same order (after <see cref="LoadInto"/>, over the restored model). State
    /// tensors are moved to the device of the optimizer's parameters.
    /// </summary>
    /// <exception cref="CheckpointFileException">No optimizer state was saved, or it does not fit this optimizer.</exception>
    public void RestoreOptimizer(optim.Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (_optimizerState is null)
        {
            throw new CheckpointFileException(Path, $"The checkpoint '{Path}' holds no optimizer state (it was saved without an optimizer).");
        }

        if (optimizer is not OptimizerHelper helper)
        {
            throw new ArgumentException($"Cannot restore the state of {optimizer.GetType().Name}: checkpoints hold the state of TorchSharp's optimizers.", nameof(optimizer));
        }

        try
        {
            using var reader = new BinaryReader(new MemoryStream(_optimizerState, writable: false), Encoding.UTF8);
            helper.load_state_dict(reader);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or EndOfStreamException or InvalidCastException)
        {
            throw new CheckpointFileException(Path, $"The optimizer state in '{Path}' does not fit this {optimizer.GetType().Name}: "
                + $"{e.Message} It must be the same optimizer type over the same parameters, in the same order.", e);
        }

        if (helper.parameters().FirstOrDefault() is { } first)
        {
            helper.to(first.device);
        }
    }

    /// <summary>Disposes the model tensors held in memory.</summary>
    public void Dispose()
    {
        _disposed = true;
        DisposeAll(_modelState);
        _modelState = [];
    }

    /// <summary>Hands the model tensors to the caller (who then owns them); the checkpoint keeps none.</summary>
    internal Dictionary<string, Tensor> TakeModelState()
    {
        Dictionary<string, Tensor> state = _modelState;
        _modelState = [];
        return state;
    }

    private static void WriteEntry(ZipArchive archive, string name, Action<Stream> write)
    {
        ZipArchiveEntry entry = archive.CreateEntry(name, CompressionLevel.NoCompression);
        using Stream stream = entry.Open();
        write(stream);
    }

    /// <summary>Checks the whole file against the CRC-32 in its zip comment; false when it has none (written before it had one).</summary>
    private static bool CheckFileChecksum(FileStream stream, string path)
    {
        if (FileChecksum.Check(stream) is not { } check)
        {
            return false;
        }

        if (!check.Matches)
        {
            throw new CheckpointFileException(path, $"The checkpoint '{path}' is corrupt: its bytes do not match the CRC-32 checksum "
                + $"recorded at its end when it was written (CRC-32 {check.Actual}, expected {check.Recorded}).");
        }

        return true;
    }

    private static void CheckFormat(ZipArchive archive, string path)
    {
        string format = archive.GetEntry(FormatEntry) is not null ? ReadText(archive, FormatEntry, path).Trim() : "";
        string prefix = FormatName + "/";
        if (!format.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new CheckpointFileException(path, $"'{path}' is a zip archive but not a QQuant checkpoint (it has no "
                + $"'{FormatEntry}' entry reading '{prefix}<version>'). For a PyTorch or safetensors state dict use StateDictFile.Load.");
        }

        if (!int.TryParse(format[prefix.Length..], out int version) || version < 1 || version > FormatVersion)
        {
            throw new CheckpointFileException(path, $"The checkpoint '{path}' has format '{format}'; this QQuant "
                + $"({CurrentQQuantVersion}) reads {FormatName} versions 1 to {FormatVersion}.");
        }
    }

    private static ZipArchiveEntry Entry(ZipArchive archive, string name, string path) =>
        archive.GetEntry(name)
        ?? throw new CheckpointFileException(path, $"The checkpoint '{path}' lacks its '{name}' entry (the file is damaged).");

    private static void CheckCrc(ZipArchiveEntry entry, uint crc, string path)
    {
        if (crc != entry.Crc32)
        {
            throw new CheckpointFileException(path, $"The checkpoint '{path}' is corrupt: the content of its '{entry.FullName}' "
                + $"entry does not match the checksum recorded when it was written (CRC-32 {crc:x8}, expected {entry.Crc32:x8}).");
        }
    }

    private static string ReadText(ZipArchive archive, string name, string path)
    {
        ZipArchiveEntry entry = Entry(archive, name, path);
        using var stream = new Crc32ReadStream(entry.Open());
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string text = reader.ReadToEnd();
        CheckCrc(entry, stream.Crc, path);
        return text;
    }

    private static string ReadAll(ZipArchiveEntry entry)
    {
        using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static string MetaToJson(CheckpointMeta meta, OptimizerHelper? optimizer)
    {
        var json = new JsonObject
        {
            ["epoch"] = meta.Epoch,
            ["iter"] = meta.Iteration,
            ["CLASSES"] = meta.Classes is null ? null : new JsonArray(meta.Classes.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
            ["config"] = meta.Config,
            ["time"] = meta.Time?.ToString("O"),
            ["qquant_version"] = meta.QQuantVersion,
            ["torchsharp_version"] = meta.TorchSharpVersion,
            ["policy"] = meta.Policy,
            ["seed"] = meta.Seed,
            ["optimizer"] = optimizer?.GetType().Name,
            [FileChecksumKey] = "crc32 in the zip comment",
            ["entries"] = new JsonObject(meta.Entries.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value)))),
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>The meta, and whether the writer said the file ends in a checksum and holds optimizer state.</summary>
    private static (CheckpointMeta Meta, bool ExpectsChecksum, bool ExpectsOptimizer) MetaFromJson(string text, string path)
    {
        try
        {
            JsonObject json = JsonNode.Parse(text)?.AsObject() ?? throw new JsonException("meta.json is null");
            var meta = new CheckpointMeta
            {
                Epoch = json["epoch"]?.GetValue<int>() ?? 0,
                Iteration = json["iter"]?.GetValue<long>() ?? 0,
                Classes = json["CLASSES"]?.AsArray().Select(c => c?.GetValue<string>() ?? "").ToArray(),
                Config = json["config"]?.GetValue<string>(),
                Time = json["time"]?.GetValue<string>() is { } time ? DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture) : null,
                QQuantVersion = json["qquant_version"]?.GetValue<string>(),
                TorchSharpVersion = json["torchsharp_version"]?.GetValue<string>(),
                Policy = json["policy"]?.GetValue<string>(),
                Seed = json["seed"]?.GetValue<long>(),
                Entries = json["entries"]?.AsObject().ToDictionary(p => p.Key, p => p.Value?.GetValue<string>() ?? "")
                          ?? new Dictionary<string, string>(),
            };
            return (meta, json[FileChecksumKey] is not null, json["optimizer"]?.GetValue<string>() is not null);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new CheckpointFileException(path, $"The checkpoint '{path}' has an unreadable meta.json: {e.Message}", e);
        }
    }

    private static void DisposeAll(Dictionary<string, Tensor>? tensors)
    {
        if (tensors is null)
        {
            return;
        }

        foreach (Tensor t in tensors.Values)
        {
            t.Dispose();
        }
    }
}
