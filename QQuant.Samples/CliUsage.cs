using System.CommandLine;
using System.CommandLine.Parsing;

namespace QQuant.Samples;

/// <summary>
/// A command line that does not parse: the command's help on standard output, then <c>error:</c> lines on standard
/// error, as for every other failure, and exit code 1. An unknown command or option is named with the nearest valid
/// one (<c>error: unknown option '--wrok-dir' (nearest: '--work-dir')</c>).
/// </summary>
internal static class CliUsage
{
    /// <summary>Prints the help of the command <paramref name="parsed"/> reached and its errors; returns 1.</summary>
    public static int Fail(ParseResult parsed, TextWriter output, TextWriter error)
    {
        RootCommand root = (RootCommand)parsed.RootCommandResult.Command;
        root.Parse([.. CommandPath(parsed.CommandResult), "--help"]).Invoke(new InvocationConfiguration { Output = output, Error = error });
        foreach (string message in Messages(parsed))
        {
            error.WriteLine($"error: {message}");
        }

        return 1;
    }

    /// <summary>
    /// What is wrong: the first token nothing matched (the errors after it mostly follow from it), a missing command,
    /// otherwise every parse error.
    /// </summary>
    internal static IEnumerable<string> Messages(ParseResult parsed)
    {
        Command command = parsed.CommandResult.Command;
        if (parsed.UnmatchedTokens.Count > 0)
        {
            return [Unknown(parsed.CommandResult, parsed.UnmatchedTokens[0])];
        }

        // A group (qquant, qquant bench) without one of its commands.
        return command.Action is null && command.Subcommands.Count > 0
            ? [$"no command given; choose from {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))}"]
            : parsed.Errors.Select(e => e.Message);
    }

    private static string Unknown(CommandResult at, string token)
    {
        Command command = at.Command;
        if (token.StartsWith('-'))
        {
            IEnumerable<Option> options = Ancestors(at).SelectMany(c => c.Options.Where(o => o.Recursive)).Concat(command.Options);
            return $"unknown option '{token}' ({NearestNames.Suggest(token, Names(options.Where(o => !o.Hidden)), 1)})";
        }

        Command[] subcommands = [.. command.Subcommands.Where(c => !c.Hidden)];
        return subcommands.Length > 0
            ? $"unknown command '{token}' ({NearestNames.Suggest(token, Names(subcommands), 1)})"
            : $"unexpected argument '{token}'";
    }

    private static IEnumerable<string> Names(IEnumerable<Symbol> symbols) =>
        symbols.SelectMany(s => s is Option o ? o.Aliases.Prepend(o.Name) : ((Command)s).Aliases.Prepend(s.Name));

    private static IEnumerable<Command> Ancestors(CommandResult at)
    {
        for (SymbolResult? result = at.Parent; result is not null; result = result.Parent)
        {
            if (result is CommandResult parent)
            {
                yield return parent.Command;
            }
        }
    }

    /// <summary>The names from the root to the command, root excluded (<c>bench</c>, <c>qat</c>).</summary>
    private static string[] CommandPath(CommandResult at) =>
        [.. Ancestors(at).Reverse().Skip(1).Select(c => c.Name), .. at.Parent is null ? [] : new[] { at.Command.Name }];
}
