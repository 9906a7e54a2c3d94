using System.Text.Json;
using System.Text.Json.Nodes;

namespace QQuant;

/// <summary>Reads config JSON into nodes and merges them the way mmcv merges configs.</summary>
internal static class ConfigJson
{
    /// <summary>The top-level key that lists the files a config inherits from.</summary>
    public const string BaseKey = "_base_";

    /// <summary>The key that makes an object replace what it inherits instead of merging into it.</summary>
    public const string DeleteKey = "_delete_";

    private static readonly JsonDocumentOptions FileOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>
    /// Parses <paramref name="text"/> (comments and trailing commas allowed) into a top-level object, checking that
    /// no object holds two keys that match ignoring case and underscores and that every <c>_delete_</c> is a boolean.
    /// </summary>
    public static JsonObject ReadObject(string text, string? file)
    {
        JsonNode? node = Read(text, file, keyPath: null, FileOptions);
        return node as JsonObject
               ?? throw new ConfigFileException(file, null, $"the top level must be a JSON object {{ ... }}, got {Describe(node)}.");
    }

    /// <summary>Parses an override value as strict JSON, or returns null when it is not valid JSON.</summary>
    public static bool TryReadValue(string text, string? file, string keyPath, out JsonNode? value)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(text);
            value = ToNode(document.RootElement, file, keyPath);
            return true;
        }
        catch (JsonException)
        {
            value = null;
            return false;
        }
    }

    /// <summary>The key of <paramref name="target"/> that matches <paramref name="key"/> ignoring case and underscores, or null.</summary>
    public static string? FindKey(JsonObject target, string key)
    {
        string normalized = ConfigKeys.Normalize(key);
        foreach (KeyValuePair<string, JsonNode?> property in target)
        {
            if (ConfigKeys.Normalize(property.Key) == normalized)
            {
                return property.Key;
            }
        }

        return null;
    }

    /// <summary>
    /// Merges <paramref name="source"/> into <paramref name="target"/>: objects key by key (keys matched ignoring case
    /// and underscores, the target's spelling kept), arrays and scalars replace, an object with <c>"_delete_": true</c>
    /// replaces. <paramref name="source"/> is not changed; nothing of it is shared with the result.
    /// </summary>
    public static void Merge(JsonObject target, JsonObject source)
    {
        foreach (KeyValuePair<string, JsonNode?> property in source)
        {
            if (property.Key == DeleteKey)
            {
                continue;
            }

            string? existing = FindKey(target, property.Key);
            if (existing is null)
            {
                target[property.Key] = Clean(property.Value);
            }
            else
            {
                Put(target, existing, property.Value);
            }
        }
    }

    /// <summary>Sets the existing key <paramref name="name"/> of <paramref name="target"/> to <paramref name="incoming"/> under the merge rules.</summary>
    public static void Put(JsonObject target, string name, JsonNode? incoming)
    {
        if (incoming is JsonObject child && !Deletes(child) && target[name] is JsonObject inherited)
        {
            Merge(inherited, child);
        }
        else
        {
            target[name] = Clean(incoming);
        }
    }

    /// <summary>Sets item <paramref name="index"/> of <paramref name="target"/> to <paramref name="incoming"/> under the merge rules.</summary>
    public static void Put(JsonArray target, int index, JsonNode? incoming)
    {
        if (incoming is JsonObject child && !Deletes(child) && target[index] is JsonObject inherited)
        {
            Merge(inherited, child);
        }
        else
        {
            target[index] = Clean(incoming);
        }
    }

    /// <summary>A deep copy of <paramref name="node"/> without any <c>_delete_</c> key.</summary>
    public static JsonNode? Clean(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (KeyValuePair<string, JsonNode?> property in obj)
                {
                    if (property.Key != DeleteKey)
                    {
                        copy[property.Key] = Clean(property.Value);
                    }
                }

                return copy;
            case JsonArray array:
                var items = new JsonArray();
                foreach (JsonNode? item in array)
                {
                    items.Add(Clean(item));
                }

                return items;
            default:
                return node?.DeepClone();
        }
    }

    /// <summary>What <paramref name="node"/> is, for messages: <c>a number (0.1)</c>, <c>an object</c>, <c>a list of 3 items</c>.</summary>
    public static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray array => array.Count == 1 ? "a list of 1 item" : $"a list of {array.Count} items",
        _ => node.GetValueKind() switch
        {
            JsonValueKind.String => $"a string ({node.ToJsonString()})",
            JsonValueKind.Number => $"a number ({node.ToJsonString()})",
            JsonValueKind.True or JsonValueKind.False => $"a boolean ({node.ToJsonString()})",
            _ => node.ToJsonString(),
        },
    };

    /// <summary>Joins a dotted key path.</summary>
    public static string Join(string? path, string key) => string.IsNullOrEmpty(path) ? key : $"{path}.{key}";

    private static bool Deletes(JsonObject obj) =>
        obj.TryGetPropertyValue(DeleteKey, out JsonNode? flag) && flag is not null && flag.GetValue<bool>();

    private static JsonNode? Read(string text, string? file, string? keyPath, JsonDocumentOptions options)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(text.TrimStart('\uFEFF'), options);
            return ToNode(document.RootElement, file, keyPath);
        }
        catch (JsonException e)
        {
            string at = e.LineNumber is { } line && e.BytePositionInLine is { } position
                ? $" at line {line + 1}, position {position + 1}"
                : "";
            string reason = e.Message;
            int cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0)
            {
                reason = reason[..cut];
            }

            throw new ConfigFileException(file, keyPath, $"not valid JSON{at}: {reason}", e);
        }
    }

    private static JsonNode? ToNode(JsonElement element, string? file, string? path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var obj = new JsonObject();
                var seen = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    string key = property.Name;
                    string keyPath = Join(path, key);
                    if (key == DeleteKey)
                    {
                        if (property.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                        {
                            throw new ConfigFileException(file, keyPath, $"_delete_ must be true or false, got {property.Value.GetRawText()}.");
                        }
                    }
                    else if (key != BaseKey)
                    {
                        string normalized = ConfigKeys.Normalize(key);
                        if (seen.TryGetValue(normalized, out string? earlier))
                        {
                            throw new ConfigFileException(file, keyPath,
                                $"the object already has the key '{earlier}'; keys match ignoring case and underscores, so keep one of them.");
                        }

                        seen[normalized] = key;
                    }

                    if (obj.ContainsKey(key))
                    {
                        throw new ConfigFileException(file, keyPath, $"the key '{key}' appears twice in the same object.");
                    }

                    obj[key] = ToNode(property.Value, file, keyPath);
                }

                return obj;
            case JsonValueKind.Array:
                var array = new JsonArray();
                int index = 0;
                foreach (JsonElement item in element.EnumerateArray())
                {
                    array.Add(ToNode(item, file, Join(path, index.ToString(System.Globalization.CultureInfo.InvariantCulture))));
                    index++;
                }

                return array;
            case JsonValueKind.String:
                return JsonValue.Create(element.GetString());
            case JsonValueKind.True:
                return JsonValue.Create(true);
            case JsonValueKind.False:
                return JsonValue.Create(false);
            case JsonValueKind.Null:
                return null;
            default:
                // Numbers keep their written form (0.01 stays 0.01, large integers stay exact).
                return JsonValue.Create(element.Clone());
        }
    }
}
