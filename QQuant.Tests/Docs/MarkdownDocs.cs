using System.Text;
using System.Text.RegularExpressions;

namespace QQuant.Tests.Docs;

/// <summary>A fenced code block of a Markdown file.</summary>
/// <param name="File">The file, relative to the repository root, with '/'.</param>
/// <param name="Line">The 1-based line of the opening fence.</param>
/// <param name="Language">The first word of the fence's info string, lower case ("" for a plain fence).</param>
/// <param name="Text">The lines between the fences.</param>
/// <param name="Context">
/// The C# of a <c>&lt;!-- snippet-context: ... --&gt;</c> comment that ends on the line just before the fence, or null.
/// </param>
/// <param name="ContextLine">The 1-based line where <paramref name="Context"/> starts (the comment's first line).</param>
internal sealed record FencedBlock(string File, int Line, string Language, string Text, string? Context, int ContextLine)
{
    /// <summary>The 1-based line of the block's first content line.</summary>
    public int ContentLine => Line + 1;

    /// <summary>Whether the block is marked as C#: <c>csharp</c>, <c>cs</c> or <c>c#</c>.</summary>
    public bool IsCSharp => Language is "csharp" or "cs" or "c#";

    /// <summary>Whether the block holds shell lines or plain text that may show <c>qquant</c> commands.</summary>
    public bool MayHoldCommands => Language is "" or "bash" or "sh" or "shell" or "console" or "text";

    /// <summary>The case name: file and line of the opening fence.</summary>
    public string Key => $"{File}:{Line}";
}

/// <summary>A <c>qquant</c> command found in a doc: its place and its arguments after <c>qquant</c>, as written.</summary>
/// <param name="File">The file, relative to the repository root.</param>
/// <param name="Line">The 1-based line where the command starts.</param>
/// <param name="Written">The command as the doc writes it (continuation lines joined).</param>
/// <param name="Arguments">What follows <c>qquant</c> (or <c>dotnet run --project QQuant.Samples ... --</c>).</param>
internal sealed record DocCommand(string File, int Line, string Written, string Arguments)
{
    /// <summary>The case name: file, line and the command.</summary>
    public string Key => $"{File}:{Line} {Written}";
}

/// <summary>
/// The repository's Markdown docs (README.md, CONTRIBUTING.md, docs/*.md, the README each package ships and the READMEs
/// of QQuant.Samples/examples/*), their C# blocks and the <c>qquant</c> commands in them. The rules are in
/// <see cref="DocSnippetTests"/>'s summary.
/// </summary>
internal static partial class MarkdownDocs
{
    public const string ContextMarker = "<!-- snippet-context:";

    private static readonly Lazy<string> Root = new(FindRepositoryRoot);
    private static readonly Lazy<IReadOnlyList<string>> PackageReadmeList = new(() => [.. FindPackageReadmes()]);
    private static readonly Lazy<IReadOnlyList<string>> ExampleReadmeList = new(() => [.. FindExampleReadmes()]);
    private static readonly Lazy<IReadOnlyList<MarkdownFile>> Files = new(() => [.. DocPaths().Select(Read)]);

    /// <summary>The folder that holds QQuant.sln, found by walking up from the test's output folder.</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>Every doc this test reads.</summary>
    public static IReadOnlyList<MarkdownFile> All => Files.Value;

    /// <summary>Every C# block of every doc, by <see cref="FencedBlock.Key"/>.</summary>
    public static IReadOnlyDictionary<string, FencedBlock> CSharpBlocks { get; } =
        All.SelectMany(f => f.Fences).Where(b => b.IsCSharp).ToDictionary(b => b.Key);

    /// <summary>Every <c>qquant</c> command of every doc, by <see cref="DocCommand.Key"/>.</summary>
    public static IReadOnlyDictionary<string, DocCommand> Commands { get; } = All.SelectMany(f => f.Commands).ToDictionary(c => c.Key);

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "QQuant.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds QQuant.sln.");
    }

    /// <summary>
    /// The README each packable project ships in its package: the <c>&lt;PackageReadmeFile&gt;</c> of every
    /// <c>*/*.csproj</c>, relative to the repository root. nuget.org shows it as the package's page.
    /// </summary>
    public static IReadOnlyList<string> PackageReadmes => PackageReadmeList.Value;

    /// <summary>The READMEs of the standalone sample projects, <c>QQuant.Samples/examples/*/README.md</c>.</summary>
    public static IReadOnlyList<string> ExampleReadmes => ExampleReadmeList.Value;

    private static IEnumerable<string> DocPaths()
    {
        yield return "README.md";
        yield return "CONTRIBUTING.md";
        foreach (string path in Directory.GetFiles(Path.Combine(RepositoryRoot, "docs"), "*.md").Order(StringComparer.Ordinal))
        {
            yield return "docs/" + Path.GetFileName(path);
        }

        foreach (string path in PackageReadmes.Concat(ExampleReadmes))
        {
            yield return path;
        }
    }

    private static IEnumerable<string> FindPackageReadmes()
    {
        foreach (string project in Directory.GetDirectories(RepositoryRoot)
                     .SelectMany(folder => Directory.GetFiles(folder, "*.csproj"))
                     .Order(StringComparer.Ordinal))
        {
            string? readme = System.Xml.Linq.XDocument.Load(project).Descendants("PackageReadmeFile").LastOrDefault()?.Value.Trim();
            if (!string.IsNullOrEmpty(readme))
            {
                yield return Path.GetRelativePath(RepositoryRoot, Path.Combine(Path.GetDirectoryName(project)!, readme)).Replace('\\', '/');
            }
        }
    }

    private static IEnumerable<string> FindExampleReadmes()
    {
        string examples = Path.Combine(RepositoryRoot, "QQuant.Samples", "examples");
        return Directory.Exists(examples)
            ? Directory.GetDirectories(examples)
                .Select(folder => Path.Combine(folder, "README.md"))
                .Where(File.Exists)
                .Select(path => Path.GetRelativePath(RepositoryRoot, path).Replace('\\', '/'))
                .Order(StringComparer.Ordinal)
            : [];
    }

    private static MarkdownFile Read(string relative)
    {
        string[] lines = File.ReadAllLines(Path.Combine(RepositoryRoot, relative));
        var fences = new List<FencedBlock>();
        var commands = new List<DocCommand>();
        var strayContexts = new List<int>();
        var prose = new List<(int Line, string Text)>();   // lines outside fences and HTML comments, 1-based
        int i = 0;
        while (i < lines.Length)
        {
            Match open = OpeningFence().Match(lines[i]);
            if (open.Success)
            {
                string fence = open.Groups["fence"].Value;
                int indent = open.Groups["indent"].Length;
                int start = i;
                var content = new List<string>();
                for (i++; i < lines.Length && !IsClosingFence(lines[i], fence); i++)
                {
                    content.Add(StripIndent(lines[i], indent));
                }

                i++;   // the closing fence (or the end of the file)
                (string? context, int contextLine) = ContextBefore(lines, start);
                var block = new FencedBlock(relative, start + 1, open.Groups["lang"].Value.ToLowerInvariant(),
                    string.Join("\n", content), context, contextLine);
                if (context is not null && !block.IsCSharp)
                {
                    strayContexts.Add(contextLine);
                }

                fences.Add(block);
                if (block.MayHoldCommands)
                {
                    commands.AddRange(CommandsInBlock(block, content));
                }

                prose.Add((start + 1, ""));   // a fence ends a paragraph
                continue;
            }

            if (lines[i].TrimStart().StartsWith("<!--", StringComparison.Ordinal))
            {
                int start = i;
                while (i < lines.Length && !lines[i].Contains("-->", StringComparison.Ordinal))
                {
                    i++;
                }

                i++;
                bool beforeFence = i < lines.Length && OpeningFence().IsMatch(lines[i]);
                if (lines[start].Contains(ContextMarker, StringComparison.Ordinal) && !beforeFence)
                {
                    strayContexts.Add(start + 1);
                }

                prose.Add((start + 1, ""));
                continue;
            }

            prose.Add((i + 1, lines[i]));
            i++;
        }

        commands.AddRange(CommandsInProse(relative, prose));
        return new MarkdownFile(relative, lines, fences, commands, strayContexts);
    }

    private static bool IsClosingFence(string line, string fence)
    {
        string trimmed = line.Trim();
        return trimmed.Length >= fence.Length && trimmed.All(c => c == fence[0]) && line.Length - line.TrimStart().Length <= 3;
    }

    private static string StripIndent(string line, int indent)
    {
        int strip = 0;
        while (strip < indent && strip < line.Length && line[strip] == ' ')
        {
            strip++;
        }

        return line[strip..];
    }

    /// <summary>The C# of a snippet-context comment whose last line is the line just before the fence at <paramref name="fence"/>.</summary>
    private static (string? Context, int Line) ContextBefore(string[] lines, int fence)
    {
        if (fence == 0 || !lines[fence - 1].TrimEnd().EndsWith("-->", StringComparison.Ordinal))
        {
            return (null, 0);
        }

        for (int start = fence - 1; start >= 0; start--)
        {
            int marker = lines[start].IndexOf(ContextMarker, StringComparison.Ordinal);
            if (marker >= 0)
            {
                var text = new StringBuilder(lines[start][(marker + ContextMarker.Length)..]);
                for (int j = start + 1; j < fence; j++)
                {
                    text.Append('\n').Append(lines[j]);
                }

                string context = text.ToString();
                return (context[..context.LastIndexOf("-->", StringComparison.Ordinal)], start + 1);
            }

            if (lines[start].Contains("<!--", StringComparison.Ordinal) || (start < fence - 1 && lines[start].Contains("-->", StringComparison.Ordinal)))
            {
                return (null, 0);   // another comment
            }
        }

        return (null, 0);
    }

    /// <summary>
    /// The commands of a shell or plain block, one per line; a line ending in <c>\</c> continues on the next, and so
    /// does a synopsis wrapped onto an indented line that starts with <c>[</c>.
    /// </summary>
    private static IEnumerable<DocCommand> CommandsInBlock(FencedBlock block, List<string> content)
    {
        for (int i = 0; i < content.Count; i++)
        {
            int line = block.ContentLine + i;
            string text = content[i].TrimEnd();
            while (i + 1 < content.Count && (text.EndsWith('\\') || IsSynopsisWrap(content[i + 1])))
            {
                text = (text.EndsWith('\\') ? text[..^1].TrimEnd() : text) + " " + content[++i].Trim();
            }

            if (TryCommand(text, out string written, out string arguments))
            {
                yield return new DocCommand(block.File, line, written, arguments);
            }
        }
    }

    private static bool IsSynopsisWrap(string next) => next.Length > 0 && char.IsWhiteSpace(next[0]) && next.TrimStart().StartsWith('[');

    /// <summary>The commands in inline code spans of the prose; a span may run over line breaks within its paragraph.</summary>
    private static IEnumerable<DocCommand> CommandsInProse(string file, List<(int Line, string Text)> prose)
    {
        int p = 0;
        while (p < prose.Count)
        {
            // One paragraph: consecutive non-blank lines.
            while (p < prose.Count && string.IsNullOrWhiteSpace(prose[p].Text))
            {
                p++;
            }

            int first = p;
            while (p < prose.Count && !string.IsNullOrWhiteSpace(prose[p].Text) && (p == first || prose[p].Line == prose[p - 1].Line + 1))
            {
                p++;
            }

            if (p == first)
            {
                continue;
            }

            string paragraph = string.Join("\n", prose.Skip(first).Take(p - first).Select(l => l.Text));
            foreach ((int offset, string code) in InlineCode(paragraph))
            {
                int line = prose[first].Line + paragraph.AsSpan(0, offset).Count('\n');
                if (TryCommand(code, out string written, out string arguments))
                {
                    yield return new DocCommand(file, line, written, arguments);
                }
            }
        }
    }

    /// <summary>CommonMark code spans: a run of n backticks up to the next run of exactly n; line breaks become spaces.</summary>
    private static IEnumerable<(int Offset, string Code)> InlineCode(string paragraph)
    {
        int i = 0;
        while (i < paragraph.Length)
        {
            if (paragraph[i] != '`')
            {
                i++;
                continue;
            }

            int run = Run(paragraph, i);
            int close = i + run;
            while (close < paragraph.Length)
            {
                close = paragraph.IndexOf('`', close);
                if (close < 0 || Run(paragraph, close) == run)
                {
                    break;
                }

                close += Run(paragraph, close);
            }

            if (close < 0 || close >= paragraph.Length)
            {
                i += run;   // no closing run: literal backticks
                continue;
            }

            string code = paragraph[(i + run)..close].Replace('\n', ' ');
            if (code.Length > 2 && code[0] == ' ' && code[^1] == ' ')
            {
                code = code[1..^1];
            }

            yield return (i, code);
            i = close + run;
        }

        static int Run(string s, int at)
        {
            int end = at;
            while (end < s.Length && s[end] == '`')
            {
                end++;
            }

            return end - at;
        }
    }

    /// <summary>
    /// Whether <paramref name="text"/> runs qquant: after an optional <c>$ </c> prompt and <c>NAME=value</c>
    /// assignments it starts with <c>qquant </c> or <c>dotnet run --project QQuant.Samples [build options] -- </c>,
    /// or it is <c>mpirun ... qquant ...</c>; <paramref name="arguments"/> is what follows.
    /// </summary>
    private static bool TryCommand(string text, out string written, out string arguments)
    {
        written = text.Trim();
        arguments = "";
        string rest = Prompt().Replace(written, "");
        rest = Assignments().Replace(rest, "");
        if (rest.StartsWith("mpirun ", StringComparison.Ordinal))
        {
            Match word = QQuantWord().Match(rest);
            if (!word.Success)
            {
                return false;
            }

            rest = rest[word.Index..].TrimStart();
        }

        Match match = QQuantCommand().Match(rest);
        if (!match.Success)
        {
            match = DotnetRunCommand().Match(rest);
        }

        if (!match.Success)
        {
            return false;
        }

        arguments = match.Groups["args"].Value.Trim();
        return arguments.Length > 0 && !arguments.StartsWith('#');
    }

    [GeneratedRegex(@"^(?<indent> {0,3})(?<fence>`{3,}|~{3,})\s*(?<lang>[^`\s]*)")]
    private static partial Regex OpeningFence();

    [GeneratedRegex(@"^\$\s+")]
    private static partial Regex Prompt();

    [GeneratedRegex(@"^([A-Za-z_][A-Za-z0-9_]*=\S*\s+)+")]
    private static partial Regex Assignments();

    [GeneratedRegex(@"(?<=\s)qquant(?=\s|$)")]
    private static partial Regex QQuantWord();

    [GeneratedRegex(@"^qquant(\s+(?<args>.*))?$")]
    private static partial Regex QQuantCommand();

    [GeneratedRegex(@"^dotnet run --project QQuant\.Samples(\s+\S+)*?\s+--(\s+(?<args>.*))?$")]
    private static partial Regex DotnetRunCommand();
}

/// <summary>One doc: its lines, fenced blocks, commands and snippet-context comments that precede no fence.</summary>
internal sealed record MarkdownFile(
    string Path, string[] Lines, IReadOnlyList<FencedBlock> Fences, IReadOnlyList<DocCommand> Commands, IReadOnlyList<int> StrayContextLines);
