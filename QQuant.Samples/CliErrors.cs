using System.CommandLine;

namespace QQuant.Samples;

/// <summary>
/// How every command fails, in one place: a command line that does not parse prints the command's help and
/// <c>error:</c> lines (<see cref="CliUsage"/>); a QQuant error (or bad input the runtime rejects) prints one
/// <c>error: message</c> line; both exit 1; with the root's <c>--verbose</c> the line goes on with the exception's type,
/// inner exceptions and stack trace.
/// </summary>
internal static class CliErrors
{
    private const string VerboseName = "--verbose";

    /// <summary>The root command's <c>--verbose</c>: recursive, so every command takes it, before or after its name.</summary>
    public static Option<bool> VerboseOption() => new(VerboseName) { Description = "Print the stack trace of an error.", Recursive = true };

    /// <summary>Whether the command line holds the root's <c>--verbose</c>.</summary>
    public static bool IsVerbose(ParseResult parsed) => parsed.GetValue<bool>(VerboseName);

    /// <summary>
    /// Invokes the parsed command with its errors handled by <see cref="Run"/> rather than by System.CommandLine's
    /// handler, which prints every exception with its stack trace. A stage's progress line left open by the failure is
    /// ended first, so the error starts a line of its own.
    /// </summary>
    public static int Invoke(ParseResult parsed, TextWriter output, TextWriter error, TerminalProgress? progress = null) =>
        parsed.Errors.Count > 0
            ? CliUsage.Fail(parsed, output, error)
            : Run(error, IsVerbose(parsed), progress, () => parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }));

    private static int Run(TextWriter error, bool verbose, TerminalProgress? progress, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (QuietFailure)
        {
            return 1;
        }
        catch (Exception e) when (e is QQuantException or ArgumentException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            progress?.EndLine();
            error.WriteLine($"error: {(verbose ? e.ToString() : e.Message)}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 1;
        }
        catch (Exception e)
        {
            // Not bad input but a bug in qquant: the stack trace always, as System.CommandLine's handler printed it.
            progress?.EndLine();
            error.WriteLine($"Unhandled exception: {e}");
            return 1;
        }
    }
}
