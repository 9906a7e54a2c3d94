namespace QQuant.Vision;

/// <summary>The sample fields the formatting steps name, with the reference's keys.</summary>
internal static class SampleKeys
{
    public const string Image = "img";
    public const string Label = "gt_label";

    public static IReadOnlyList<string> All { get; } = [Image, Label];

    /// <summary>Checks that every key is one of <paramref name="valid"/>, naming the valid ones otherwise.</summary>
    public static string[] Check(IReadOnlyList<string>? keys, IReadOnlyList<string> valid, string option = "keys")
    {
        if (keys is null || keys.Count == 0)
        {
            throw new ArgumentException($"{option} must name at least one of {string.Join(", ", valid)}.");
        }

        foreach (string key in keys)
        {
            if (!valid.Contains(key, StringComparer.Ordinal))
            {
                throw new ArgumentException($"{option}: unknown key '{key}'; valid keys: {string.Join(", ", valid)}.");
            }
        }

        return [.. keys];
    }
}
