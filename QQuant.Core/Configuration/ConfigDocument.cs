using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;

namespace QQuant;

/// <summary>
/// A JSON config resolved the way mmcv resolves its config files: the files named by a top-level <c>_base_</c> (a path
/// or a list of paths, relative to the including file's folder) are loaded with their own bases and merged in order,
/// later wins, then the file's own keys are merged over them; then <c>key.path=value</c> overrides are applied.
/// </summary>
/// <remarks>
/// <para>
/// Merge rules: objects merge key by key, recursively; arrays and scalars replace; an object with
/// <c>"_delete_": true</c> replaces what it inherits instead of merging into it. Keys match ignoring case and
/// underscores (<c>samples_per_gpu</c> overrides <c>samplesPerGpu</c>) and the inherited spelling is kept. Neither
/// <c>_base_</c> nor <c>_delete_</c> appears in the result. The files of a <c>_base_</c> list are merged key by key
/// one after the other; a <c>_delete_</c> acts on what its own file inherits.
/// </para>
/// <para>
/// Files may hold comments and trailing commas. One object may not hold two keys that match ignoring case and
/// underscores.
/// </para>
/// </remarks>
public sealed class ConfigDocument
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The most items a list in a config may hold (a class-name list of ImageNet-21k's 21 841 fits).</summary>
    public const int MaxListLength = 25_000;

    private readonly JsonObject _root;

    private ConfigDocument(string path, IReadOnlyList<string> sources, IReadOnlyList<string> overrides, JsonObject root)
    {
        Path = path;
        Sources = sources;
        Overrides = overrides;
        _root = root;
    }

    /// <summary>The full path of the top config file; for <see cref="Parse"/>, its source name, or an empty string without one.</summary>
    public string Path { get; }

    /// <summary>
    /// Every file merged into this config, bases first, in merge order, the top file last (a file that several bases
    /// share appears once, at its first merge). For <see cref="Parse"/>, the source name is last when there is one.
    /// </summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>The <c>key.path=value</c> overrides that were applied, in order.</summary>
    public IReadOnlyList<string> Overrides { get; }

    /// <summary>The resolved config; each read returns a new deep copy, so changing it leaves this document as it is.</summary>
    public JsonObject Root => (JsonObject)_root.DeepClone();

    /// <summary>
    /// Loads the config file at <paramref name="path"/> with its <c>_base_</c> files, then applies
    /// <paramref name="overrides"/> in order.
    /// </summary>
    /// <param name="path">The config file.</param>
    /// <param name="overrides">
    /// <c>key.path=value</c> strings (the command line's <c>--options</c>). The path is dot-separated, matched ignoring
    /// case and underscores, with integer segments indexing lists (<c>data.train.pipeline.0.size=32</c>); missing object
    /// keys are created. The value is parsed as JSON when it is valid JSON (<c>0.01</c>, <c>true</c>, <c>null</c>,
    /// <c>[30,60]</c>, <c>{"maxNorm":35}</c>; an object merges into an existing object) and is a string otherwise
    /// (<c>device=cuda:0</c>).
    /// </param>
    /// <exception cref="ConfigFileException">
    /// A file is missing or not valid JSON, its top level is not an object, <c>_base_</c> is malformed or the bases form
    /// a cycle, an override is malformed or its path goes through a scalar or past the end of a list, or a list holds
    /// more than <see cref="MaxListLength"/> items.
    /// </exception>
    public static ConfigDocument Load(string path, IEnumerable<string>? overrides = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string fullPath = System.IO.Path.GetFullPath(path);
        var loader = new ConfigLoader();
        JsonObject root = loader.LoadFile(fullPath);
        return Finish(fullPath, fullPath, loader, root, overrides);
    }

    /// <summary>
    /// Resolves a config held in memory. A <c>_base_</c> in it is resolved relative to the current directory (the
    /// bases' own <c>_base_</c> relative to their folders, as in <see cref="Load"/>).
    /// </summary>
    /// <param name="json">The config JSON; comments and trailing commas are allowed.</param>
    /// <param name="sourceName">The name errors give for <paramref name="json"/> (a file name, a URL), or null.</param>
    /// <param name="overrides"><c>key.path=value</c> strings applied after merging, as in <see cref="Load"/>.</param>
    /// <exception cref="ConfigFileException">As for <see cref="Load"/>.</exception>
    public static ConfigDocument Parse(string json, string? sourceName = null, IEnumerable<string>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        var loader = new ConfigLoader();
        JsonObject root = loader.LoadText(json, sourceName);
        return Finish(sourceName ?? "", sourceName, loader, root, overrides);
    }

    /// <summary>The resolved config as indented JSON.</summary>
    public string ToJson() => _root.ToJsonString(Indented);

    /// <summary>
    /// A copy of the top-level value under <paramref name="key"/>, matched ignoring case and underscores
    /// (<c>quantTransformer</c> finds <c>quant_transformer</c>), or null when the config has no such key.
    /// </summary>
    public JsonNode? Section(string key) =>
        ConfigJson.FindKey(_root, key) is { } found ? _root[found]?.DeepClone() : null;

    /// <summary>
    /// The resolved config as Microsoft.Extensions.Configuration (<c>config["optimizer:lr"]</c>), which the
    /// component and policy binders read.
    /// </summary>
    public IConfigurationRoot ToConfiguration()
    {
        var stream = new MemoryStream(Encoding.UTF8.GetBytes(ToJson()));
        return new ConfigurationBuilder().AddJsonStream(stream).Build();
    }

    /// <summary>
    /// Writes the resolved config as indented JSON to <paramref name="path"/> atomically (see <see cref="AtomicFile"/>),
    /// e.g. next to a training run's checkpoints; the written file loads back to an equal config.
    /// </summary>
    public void Save(string path)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(ToJson() + Environment.NewLine);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    private static ConfigDocument Finish(string path, string? file, ConfigLoader loader, JsonObject root, IEnumerable<string>? overrides)
    {
        List<string> applied = overrides?.ToList() ?? [];
        foreach (string text in applied)
        {
            ArgumentNullException.ThrowIfNull(text, nameof(overrides));
            ConfigOverrides.Apply(root, text, file);
        }

        CheckListLengths(root, "", file);
        return new ConfigDocument(path, loader.Sources.ToList(), applied, root);
    }

    // Microsoft.Extensions.Configuration lists children by scanning every key, so binding a list of n items costs
    // n times the config's size: a list of 100 000 took minutes. No setting needs more items than this.
    private static void CheckListLengths(JsonNode? node, string keyPath, string? file)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach ((string key, JsonNode? child) in obj)
                {
                    CheckListLengths(child, keyPath.Length == 0 ? key : $"{keyPath}.{key}", file);
                }

                break;
            case JsonArray array:
                if (array.Count > MaxListLength)
                {
                    throw new ConfigFileException(file, keyPath, $"the list has {array.Count} items; a config list holds at most {MaxListLength}.");
                }

                for (int i = 0; i < array.Count; i++)
                {
                    CheckListLengths(array[i], $"{keyPath}.{i}", file);
                }

                break;
        }
    }
}
