namespace QQuant;

/// <summary>Formats a list of problems as one exception message: a heading, then one bullet per problem.</summary>
internal static class ProblemList
{
    public static string Format(string heading, IReadOnlyList<string> problems) =>
        problems.Count == 1
            ? $"{heading}: {problems[0]}"
            : $"{heading} ({problems.Count} problems):{Environment.NewLine}"
              + string.Join(Environment.NewLine, problems.Select(p => "  - " + p));
}
