using System.Globalization;
using System.Text.Json.Nodes;

namespace QQuant.Samples.Faults;

/// <summary>
/// One random change to a resolved config: a key (or list item) removed, renamed with a typo, or its value replaced
/// with a wrong type, an extreme number or a list of 100 000 items. <see cref="Description"/> says which, so a case
/// can be reproduced by hand.
/// </summary>
/// <param name="Path">The changed key path, dot-separated, list items by index.</param>
/// <param name="Description">What was done there.</param>
/// <param name="KeyNames">The names an error about the change may give: the path's keys, a typo, a new string value.</param>
internal sealed record ConfigMutation(string Path, string Description, IReadOnlyList<string> KeyNames)
{
    public const int HugeArrayLength = 100_000;

    private static readonly Func<JsonNode?>[] WrongTypes =
    [
        () => JsonValue.Create("oops"), () => JsonValue.Create(7), () => JsonValue.Create(true),
        () => new JsonObject { ["x"] = 1 }, () => new JsonArray(1, 2), () => null,
    ];

    private static readonly Func<JsonNode?>[] Extremes =
    [
        () => JsonValue.Create(0), () => JsonValue.Create(-1), () => JsonValue.Create(1e308), () => JsonValue.Create(-1e308),
        () => JsonValue.Create("NaN"), () => JsonValue.Create(int.MaxValue), () => JsonValue.Create(1e-300),
    ];

    /// <summary>Changes <paramref name="root"/> in place at a random key path and says what it did.</summary>
    public static ConfigMutation Apply(JsonObject root, Random random)
    {
        List<(JsonNode Parent, string? Key, int Index, string Path)> places = [];
        Collect(root, "", places);
        (JsonNode parent, string? key, int index, string path) = places[random.Next(places.Count)];
        JsonNode? value = key is null ? parent.AsArray()[index] : parent.AsObject()[key];
        List<string> names = [.. path.Split('.').Where(s => !int.TryParse(s, CultureInfo.InvariantCulture, out _))];
        switch (random.Next(5))
        {
            case 0:
                Remove(parent, key, index);
                return new ConfigMutation(path, $"removed {path}", names);
            case 1 when key is not null:
                string typo = Typo(key, random);
                JsonObject owner = parent.AsObject();
                if (owner.ContainsKey(typo))
                {
                    goto default;
                }

                owner.Remove(key);
                owner[typo] = value;
                return new ConfigMutation(path, $"renamed {path} to {typo}", [.. names, typo]);
            case 2:
                return Replace(parent, key, index, path, names, WrongTypes[random.Next(WrongTypes.Length)]());
            case 3:
                return Replace(parent, key, index, path, names, Extremes[random.Next(Extremes.Length)]());
            default:
                // Scalars only: a list of 100 000 objects is megabytes whose mere parsing takes over the second allowed.
                JsonNode? item = value is JsonArray { Count: > 0 } list && list[0] is JsonValue first ? first : JsonValue.Create(1);
                var huge = new JsonArray();
                for (int i = 0; i < HugeArrayLength; i++)
                {
                    huge.Add(item?.DeepClone());
                }

                Set(parent, key, index, huge);
                return new ConfigMutation(path, $"replaced {path} with {HugeArrayLength} copies of {item?.ToJsonString() ?? "null"}", names);
        }
    }

    private static ConfigMutation Replace(JsonNode parent, string? key, int index, string path, List<string> names, JsonNode? value)
    {
        Set(parent, key, index, value);
        // A file setting given a wrong value is refused naming the file it now points at.
        List<string> named = value is JsonValue scalar ? [.. names, scalar.ToString()] : names;
        return new ConfigMutation(path, $"replaced {path} with {value?.ToJsonString() ?? "null"}", named);
    }

    private static void Collect(JsonNode node, string prefix, List<(JsonNode, string?, int, string)> places)
    {
        if (node is JsonObject obj)
        {
            foreach ((string key, JsonNode? child) in obj.ToList())
            {
                string path = prefix.Length == 0 ? key : $"{prefix}.{key}";
                places.Add((obj, key, -1, path));
                if (child is not null)
                {
                    Collect(child, path, places);
                }
            }
        }
        else if (node is JsonArray array)
        {
            for (int i = 0; i < array.Count; i++)
            {
                string path = $"{prefix}.{i}";
                places.Add((array, null, i, path));
                if (array[i] is { } child)
                {
                    Collect(child, path, places);
                }
            }
        }
    }

    private static void Remove(JsonNode parent, string? key, int index)
    {
        if (key is null)
        {
            parent.AsArray().RemoveAt(index);
        }
        else
        {
            parent.AsObject().Remove(key);
        }
    }

    private static void Set(JsonNode parent, string? key, int index, JsonNode? value)
    {
        if (key is null)
        {
            parent.AsArray()[index] = value;
        }
        else
        {
            parent.AsObject()[key] = value;
        }
    }

    // A typing slip: a letter dropped, doubled or swapped with its neighbour.
    private static string Typo(string key, Random random)
    {
        int at = random.Next(key.Length);
        return random.Next(3) switch
        {
            0 when key.Length > 1 => key.Remove(at, 1),
            1 => key.Insert(at, key[at].ToString()),
            _ when at + 1 < key.Length && key[at] != key[at + 1] => $"{key[..at]}{key[at + 1]}{key[at]}{key[(at + 2)..]}",
            _ => key + "x",
        };
    }
}
