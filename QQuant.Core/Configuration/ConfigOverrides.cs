using System.Globalization;
using System.Text.Json.Nodes;

namespace QQuant;

/// <summary>Applies <c>key.path=value</c> overrides (the command line's <c>--options</c>) to a resolved config.</summary>
internal static class ConfigOverrides
{
    /// <summary>
    /// Sets the value of <paramref name="text"/> at its dotted key path in <paramref name="root"/>; keys match ignoring
    /// case and underscores, integer segments index lists, missing object keys are created, and an object value merges
    /// into an existing object like a child config does.
    /// </summary>
    public static void Apply(JsonObject root, string text, string? file)
    {
        int equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0)
        {
            throw new ConfigFileException(file, text, $"the override '{text}' has no '='; write key.path=value, e.g. optimizer.lr=0.01.");
        }

        string keyPath = text[..equals].Trim();
        string raw = text[(equals + 1)..];
        if (keyPath.Length == 0)
        {
            throw new ConfigFileException(file, keyPath, $"the override '{text}' has an empty key path; write key.path=value, e.g. optimizer.lr=0.01.");
        }

        string[] segments = keyPath.Split('.');
        if (Array.FindIndex(segments, s => s.Trim().Length == 0) is var empty and >= 0)
        {
            throw new ConfigFileException(file, keyPath, $"segment {empty + 1} of the key path is empty; separate keys with single dots.");
        }

        JsonNode? value = ConfigJson.TryReadValue(raw, file, keyPath, out JsonNode? json) ? json : JsonValue.Create(raw);
        JsonNode container = root;
        string walked = "";
        for (int i = 0; i < segments.Length; i++)
        {
            string segment = segments[i].Trim();
            bool last = i == segments.Length - 1;
            switch (container)
            {
                case JsonObject obj:
                    string? existing = ConfigJson.FindKey(obj, segment);
                    if (last)
                    {
                        if (existing is null)
                        {
                            obj[segment] = ConfigJson.Clean(value);
                        }
                        else
                        {
                            ConfigJson.Put(obj, existing, value);
                        }

                        return;
                    }

                    if (existing is null)
                    {
                        var created = new JsonObject();
                        obj[segment] = created;
                        container = created;
                        walked = ConfigJson.Join(walked, segment);
                        break;
                    }

                    JsonNode? next = obj[existing];
                    walked = ConfigJson.Join(walked, existing);
                    container = next is JsonObject or JsonArray ? next : throw ThroughScalar(file, keyPath, walked, next, obj, existing);
                    break;
                case JsonArray array:
                    int index = Index(array, segment, file, keyPath, walked);
                    if (last)
                    {
                        ConfigJson.Put(array, index, value);
                        return;
                    }

                    JsonNode? item = array[index];
                    walked = ConfigJson.Join(walked, segment);
                    container = item is JsonObject or JsonArray ? item : throw ThroughScalar(file, keyPath, walked, item, null, null);
                    break;
            }
        }
    }

    private static int Index(JsonArray array, string segment, string? file, string keyPath, string walked)
    {
        string range = array.Count == 0 ? "it is empty" : $"valid indexes are 0 to {array.Count - 1}";
        if (!int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            throw new ConfigFileException(file, keyPath, $"'{walked}' is {ConfigJson.Describe(array)}, so '{segment}' must be an index; {range}.");
        }

        if (index >= array.Count)
        {
            throw new ConfigFileException(file, keyPath, $"index {index} is out of range for '{walked}', {ConfigJson.Describe(array)}; {range}.");
        }

        return index;
    }

    private static ConfigFileException ThroughScalar(string? file, string keyPath, string walked, JsonNode? scalar, JsonObject? parent, string? key)
    {
        string problem = $"'{walked}' is {ConfigJson.Describe(scalar)}, not an object or a list, so nothing can be set under it";
        if (parent is not null && key is not null)
        {
            IEnumerable<string> containers = parent.Where(p => p.Key != key && p.Value is JsonObject or JsonArray).Select(p => p.Key);
            string nearest = NearestNames.Suggest(key, containers);
            if (nearest.Length > 0)
            {
                problem += $"; objects and lists at that level, {nearest}";
            }
        }

        return new ConfigFileException(file, keyPath, problem + ".");
    }
}
