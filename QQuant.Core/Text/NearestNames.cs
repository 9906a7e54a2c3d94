namespace QQuant;

/// <summary>Finds the valid names closest to a wrong one (edit distance, ignoring case), for error messages.</summary>
public static class NearestNames
{
    /// <summary>The <paramref name="count"/> candidates nearest to <paramref name="name"/>, nearest first.</summary>
    public static IReadOnlyList<string> Find(string name, IEnumerable<string> candidates, int count = 3) =>
        candidates
            .Distinct(StringComparer.Ordinal)
            .Select(c => (Name: c, Distance: Distance(name.ToLowerInvariant(), c.ToLowerInvariant())))
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(count)
            .Select(c => c.Name)
            .ToList();

    /// <summary>"did you mean a, b or c?" or an empty string when there are no candidates.</summary>
    public static string Suggest(string name, IEnumerable<string> candidates, int count = 3)
    {
        IReadOnlyList<string> nearest = Find(name, candidates, count);
        return nearest.Count == 0 ? "" : $"nearest: {string.Join(", ", nearest.Select(n => $"'{n}'"))}";
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
