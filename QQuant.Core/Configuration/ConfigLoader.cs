using System.Text.Json.Nodes;

namespace QQuant;

/// <summary>Resolves a config and its chain of <c>_base_</c> files into one object.</summary>
internal sealed class ConfigLoader
{
    private static readonly StringComparer PathComparer =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    private readonly List<string> _chain = [];
    private readonly List<string> _sources = [];

    /// <summary>Every file merged so far, bases first, each once at its first merge.</summary>
    public IReadOnlyList<string> Sources => _sources;

    /// <summary>Loads the file at the full path <paramref name="fullPath"/> with its bases.</summary>
    public JsonObject LoadFile(string fullPath) => Resolve(fullPath, includer: null, includerKey: null);

    /// <summary>
    /// Resolves <paramref name="json"/> held in memory, named <paramref name="sourceName"/> in messages; its bases are
    /// relative to the current directory.
    /// </summary>
    public JsonObject LoadText(string json, string? sourceName)
    {
        JsonObject own = ConfigJson.ReadObject(json, sourceName);
        JsonObject result = MergeBases(own, sourceName, Directory.GetCurrentDirectory());
        if (sourceName is not null && !_sources.Contains(sourceName, PathComparer))
        {
            _sources.Add(sourceName);
        }

        return result;
    }

    private JsonObject Resolve(string fullPath, string? includer, string? includerKey)
    {
        int earlier = _chain.FindIndex(p => PathComparer.Equals(p, fullPath));
        if (earlier >= 0)
        {
            IEnumerable<string> cycle = _chain.Skip(earlier).Append(fullPath);
            throw new ConfigFileException(includer, includerKey, $"the bases form a cycle: {string.Join(" -> ", cycle)}.");
        }

        JsonObject own = ConfigJson.ReadObject(ReadText(fullPath, includer, includerKey), fullPath);
        _chain.Add(fullPath);
        JsonObject result = MergeBases(own, fullPath, Path.GetDirectoryName(fullPath)!);
        _chain.RemoveAt(_chain.Count - 1);
        if (!_sources.Contains(fullPath, PathComparer))
        {
            _sources.Add(fullPath);
        }

        return result;
    }

    private JsonObject MergeBases(JsonObject own, string? file, string folder)
    {
        var result = new JsonObject();
        foreach ((string key, string relative) in Bases(own, file))
        {
            string basePath = Path.GetFullPath(Path.Combine(folder, relative));
            ConfigJson.Merge(result, Resolve(basePath, file, key));
        }

        own.Remove(ConfigJson.BaseKey);
        ConfigJson.Merge(result, own);
        return result;
    }

    private static List<(string Key, string Path)> Bases(JsonObject own, string? file)
    {
        if (!own.TryGetPropertyValue(ConfigJson.BaseKey, out JsonNode? value))
        {
            return [];
        }

        const string listHint = "write \"_base_\": \"base.json\" or \"_base_\": [\"a.json\", \"b.json\"].";
        switch (value)
        {
            case JsonArray list:
                var bases = new List<(string, string)>(list.Count);
                for (int i = 0; i < list.Count; i++)
                {
                    string key = $"{ConfigJson.BaseKey}[{i}]";
                    bases.Add((key, BasePath(list[i], file, key, listHint)));
                }

                return bases;
            case JsonValue:
                return [(ConfigJson.BaseKey, BasePath(value, file, ConfigJson.BaseKey, listHint))];
            default:
                throw new ConfigFileException(file, ConfigJson.BaseKey,
                    $"must be a file path or a list of file paths, got {ConfigJson.Describe(value)}; {listHint}");
        }
    }

    private static string BasePath(JsonNode? node, string? file, string key, string hint)
    {
        if (node is JsonValue value && value.GetValueKind() == System.Text.Json.JsonValueKind.String)
        {
            string path = value.GetValue<string>();
            if (!string.IsNullOrWhiteSpace(path))
            {
                return path;
            }

            throw new ConfigFileException(file, key, $"the base file path is empty; {hint}");
        }

        throw new ConfigFileException(file, key, $"a base must be a file path string, got {ConfigJson.Describe(node)}; {hint}");
    }

    private static string ReadText(string fullPath, string? includer, string? includerKey)
    {
        // A missing base is the including file's mistake, so the error names the including file and its _base_ entry.
        string? file = includer is null ? fullPath : includer;
        string? key = includer is null ? null : includerKey;
        string subject = includer is null ? "the file" : $"the base file '{fullPath}'";
        if (Directory.Exists(fullPath))
        {
            throw new ConfigFileException(file, key, $"{subject} is a folder, not a JSON file.");
        }

        if (!File.Exists(fullPath))
        {
            string folder = Path.GetDirectoryName(fullPath)!;
            string nearby = Directory.Exists(folder)
                ? NearestNames.Suggest(Path.GetFileName(fullPath), Directory.EnumerateFiles(folder, "*.json").Select(Path.GetFileName).OfType<string>())
                : $"the folder '{folder}' does not exist either";
            throw new ConfigFileException(file, key, $"{subject} does not exist{(nearby.Length == 0 ? "" : $" ({nearby})")}.");
        }

        try
        {
            return File.ReadAllText(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigFileException(file, key, $"{subject} cannot be read: {e.Message}", e);
        }
    }
}
