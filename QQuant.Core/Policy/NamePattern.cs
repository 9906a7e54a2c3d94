namespace QQuant;

/// <summary>
/// A module name or name pattern as <c>named_modules()</c> spells paths (<c>backbone.layer1.0.conv1</c>).
/// <c>*</c> alone matches one path segment (<c>layer1.*.conv1</c>), inside a segment it matches any characters of
/// that segment (<c>layer*.0.conv1</c>); <c>**</c> matches any number of segments, none included (<c>neck.**</c>).
/// A name without <c>*</c> is exact.
/// </summary>
public sealed class NamePattern : IEquatable<NamePattern>
{
    private readonly string[] _segments;

    private NamePattern(string text)
    {
        Text = text;
        _segments = text.Split('.');
    }

    /// <summary>The pattern as written.</summary>
    public string Text { get; }

    /// <summary>True for a plain module name (no wildcard).</summary>
    public bool IsExact => !Text.Contains('*');

    /// <summary>Parses <paramref name="text"/>; returns null and a reason when it is not a valid name or pattern.</summary>
    public static NamePattern? TryParse(string? text, out string? problem)
    {
        problem = text switch
        {
            null or "" => "a module name must not be empty",
            _ when text.Any(char.IsWhiteSpace) => $"'{text}' contains white space",
            _ when text.Split('.').Any(s => s.Length == 0) => $"'{text}' has an empty segment (two dots, or a dot at an end)",
            _ when text.Split('.').Any(s => s.Contains("**") && s != "**") =>
                $"'{text}': '**' must be a whole segment (as in 'neck.**')",
            _ => null,
        };
        return problem is null ? new NamePattern(text!) : null;
    }

    /// <summary>True when <paramref name="path"/> (a dotted module path) matches.</summary>
    public bool Matches(string path) => MatchFrom(0, path.Split('.'), 0);

    /// <inheritdoc />
    public bool Equals(NamePattern? other) => other is not null && Text == other.Text;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as NamePattern);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Text);

    /// <inheritdoc />
    public override string ToString() => Text;

    private bool MatchFrom(int segment, string[] parts, int part)
    {
        if (segment == _segments.Length)
        {
            return part == parts.Length;
        }

        if (_segments[segment] == "**")
        {
            for (int next = part; next <= parts.Length; next++)
            {
                if (MatchFrom(segment + 1, parts, next))
                {
                    return true;
                }
            }

            return false;
        }

        return part < parts.Length
            && SegmentMatches(_segments[segment], 0, parts[part], 0)
            && MatchFrom(segment + 1, parts, part + 1);
    }

    private static bool SegmentMatches(string pattern, int p, string text, int t)
    {
        if (p == pattern.Length)
        {
            return t == text.Length;
        }

        if (pattern[p] == '*')
        {
            for (int next = t; next <= text.Length; next++)
            {
                if (SegmentMatches(pattern, p + 1, text, next))
                {
                    return true;
                }
            }

            return false;
        }

        return t < text.Length && pattern[p] == text[t] && SegmentMatches(pattern, p + 1, text, t + 1);
    }
}
