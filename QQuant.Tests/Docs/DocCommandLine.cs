using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text;
using System.Text.RegularExpressions;
using QQuant.Samples;

namespace QQuant.Tests.Docs;

/// <summary>
/// Parses the arguments of a doc's <c>qquant</c> command with the CLI's root command (no command runs) and says what
/// does not parse. The rules are in <see cref="DocSnippetTests"/>'s summary.
/// </summary>
internal static partial class DocCommandLine
{
    private static readonly RootCommand Root = QQuantCli.Build(TextWriter.Null, TextWriter.Null);

    /// <summary>Every problem of <paramref name="arguments"/>; empty when it parses.</summary>
    public static IReadOnlyList<string> Problems(string arguments)
    {
        string text = StripComment(Placeholder().Replace(arguments, "x"));
        List<(int Start, int End)> groups = OptionalGroups(text);
        return groups.Count == 0 ? ExampleProblems(text) : SynopsisProblems(text, groups);
    }

    /// <summary>An example: it must parse as it is, unless it only names a command (<c>qquant plan</c>).</summary>
    private static List<string> ExampleProblems(string text)
    {
        List<string> args = Split(text);
        if (NamesOnlyCommands(args))
        {
            return [];
        }

        return [.. Root.Parse(args).Errors.Select(e => e.Message)];
    }

    /// <summary>
    /// A synopsis: without its optional groups it must parse; every option a group names must exist on the command;
    /// each group, added alone, must leave no word unmatched; and each choice of an <c>a|b</c> list must parse.
    /// </summary>
    private static List<string> SynopsisProblems(string text, List<(int Start, int End)> groups)
    {
        var skeleton = new StringBuilder(text);
        foreach ((int start, int end) in Enumerable.Reverse(groups))
        {
            skeleton.Remove(start, end - start + 1).Insert(start, ' ');
        }

        List<string> required = Split(skeleton.ToString());
        ParseResult parsed = Root.Parse(required);
        var problems = parsed.Errors.Select(e => $"without its [optional] parts: {e.Message}").ToList();
        if (problems.Count > 0)
        {
            return problems;
        }

        HashSet<string> known = KnownOptions(parsed.CommandResult);
        foreach ((int start, int end) in groups)
        {
            string group = text[(start + 1)..end].Trim();
            if (!group.StartsWith('-'))
            {
                continue;   // a positional placeholder such as [device]
            }

            List<string> choices = Choices(group);
            foreach (string choice in choices)
            {
                List<string> unknown = [.. Split(choice).Where(IsOptionName).Where(name => !known.Contains(name))];
                problems.AddRange(unknown.Select(name => $"[{group}]: '{name}' is not an option of '{CommandPath(parsed.CommandResult)}'"));
                if (unknown.Count > 0)
                {
                    continue;
                }

                ParseResult withChoice = Root.Parse([.. required, .. Split(choice)]);
                if (choices.Count > 1)
                {
                    problems.AddRange(withChoice.Errors.Select(e => $"[{group}] as '{choice}': {e.Message}"));
                }
                else
                {
                    // A metavariable value (n, path) need not convert, but every word must be taken: this catches a
                    // flag written with a value, or more values than the option takes.
                    problems.AddRange(withChoice.UnmatchedTokens.Select(t => $"[{group}]: '{t}' is not taken by '{CommandPath(parsed.CommandResult)}'"));
                }
            }
        }

        return problems;
    }

    private static bool IsOptionName(string token) => token.StartsWith('-') && token.Length > 1 && !char.IsDigit(token[1]);

    /// <summary>
    /// The choices of an optional group: <c>--model a|b</c> gives <c>--model a</c> and <c>--model b</c>;
    /// <c>--breakdown|--no-breakdown</c> gives each option.
    /// </summary>
    private static List<string> Choices(string group)
    {
        string[] pieces = group.Split('|');
        var choices = new List<string> { pieces[0].Trim() };
        string head = pieces[0].Trim();
        int lastWord = head.LastIndexOf(' ');
        foreach (string piece in pieces.Skip(1).Select(p => p.Trim()))
        {
            choices.Add(piece.StartsWith('-') || lastWord < 0 ? piece : head[..(lastWord + 1)] + piece);
        }

        return choices;
    }

    /// <summary>The names and aliases of the command's options and of its ancestors' recursive options.</summary>
    private static HashSet<string> KnownOptions(CommandResult result)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        bool own = true;
        for (SymbolResult? r = result; r is not null; r = r.Parent)
        {
            if (r is CommandResult c)
            {
                foreach (Option option in c.Command.Options.Where(o => own || o.Recursive))
                {
                    names.Add(option.Name);
                    names.UnionWith(option.Aliases);
                }

                own = false;
            }
        }

        return names;
    }

    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is not null; r = r.Parent)
        {
            if (r is CommandResult c)
            {
                names.Insert(0, c.Command is RootCommand ? "qquant" : c.Command.Name);
            }
        }

        return string.Join(' ', names);
    }

    /// <summary>Whether every argument is a subcommand name, so that the line names a command rather than runs it.</summary>
    private static bool NamesOnlyCommands(List<string> args)
    {
        Command command = Root;
        foreach (string arg in args)
        {
            Command? sub = command.Subcommands.FirstOrDefault(s => s.Name == arg || s.Aliases.Contains(arg));
            if (sub is null)
            {
                return false;
            }

            command = sub;
        }

        return args.Count > 0;
    }

    /// <summary>The top-level <c>[...]</c> groups outside quotes, as (index of '[', index of ']').</summary>
    private static List<(int Start, int End)> OptionalGroups(string text)
    {
        var groups = new List<(int, int)>();
        int depth = 0, start = -1;
        foreach (int i in UnquotedIndices(text))
        {
            if (text[i] == '[' && depth++ == 0)
            {
                start = i;
            }
            else if (text[i] == ']' && depth > 0 && --depth == 0)
            {
                groups.Add((start, i));
            }
        }

        return groups;
    }

    /// <summary>The text before an unquoted <c>#</c> that starts a word (a shell comment).</summary>
    private static string StripComment(string text)
    {
        foreach (int i in UnquotedIndices(text))
        {
            if (text[i] == '#' && (i == 0 || char.IsWhiteSpace(text[i - 1])))
            {
                return text[..i];
            }
        }

        return text;
    }

    /// <summary>The indices of the characters outside '...' and "..." quotes (the quote characters excluded).</summary>
    private static IEnumerable<int> UnquotedIndices(string text)
    {
        char quote = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quote != '\0')
            {
                quote = c == quote ? '\0' : quote;
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else
            {
                yield return i;
            }
        }
    }

    /// <summary>
    /// Splits like a POSIX shell: words at unquoted blanks, '...' and "..." quoting, backslash escapes, and
    /// <c>$name</c>/<c>${name}</c> standing for one placeholder word <c>x</c>; stops at an unquoted pipe, redirection,
    /// <c>;</c> or <c>&amp;</c>. A word <c>...</c> (repeat the previous) is dropped.
    /// </summary>
    private static List<string> Split(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quote == '\'')
            {
                if (c == '\'')
                {
                    quote = '\0';
                }
                else
                {
                    word.Append(c);
                }

                continue;
            }

            if (c == '$' && i + 1 < text.Length && (text[i + 1] == '{' || text[i + 1] == '_' || char.IsLetter(text[i + 1])))
            {
                int end = text[i + 1] == '{' ? text.IndexOf('}', i) : i + 1;
                end = end < 0 ? text.Length - 1 : end;
                while (text[i + 1] != '{' && end < text.Length && (text[end] == '_' || char.IsLetterOrDigit(text[end])))
                {
                    end++;
                }

                word.Append('x');
                inWord = true;
                i = (text[i + 1] == '{' ? end : end - 1);
                continue;
            }

            if (quote == '"')
            {
                if (c == '"')
                {
                    quote = '\0';
                }
                else if (c == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$' or '`')
                {
                    word.Append(text[++i]);
                }
                else
                {
                    word.Append(c);
                }

                continue;
            }

            if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
            }
            else if (c == '\\' && i + 1 < text.Length)
            {
                word.Append(text[++i]);
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                Flush();
            }
            else if (c is '|' or '>' or '<' or ';' or '&')
            {
                break;   // a pipe, redirection or the next command: only qquant's own arguments are parsed
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        Flush();
        return words;

        void Flush()
        {
            if (inWord && word.ToString() is not ("..." or "…"))
            {
                words.Add(word.ToString());
            }

            word.Clear();
            inWord = false;
        }
    }

    /// <summary>A placeholder such as <c>&lt;file&gt;</c> or <c>&lt;float latest.ckpt&gt;</c>, with a following <c>...</c>.</summary>
    [GeneratedRegex(@"<[^\s<>][^<>]*>(\.\.\.|…)?")]
    private static partial Regex Placeholder();
}
