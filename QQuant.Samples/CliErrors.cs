using System.CommandLine;

namespace QQuant.Samples;

/// <summary>
/// How commands fail: a QQuant error (or bad input the runtime rejects) prints its message, without a stack trace
/// unless <c>--verbose</c>, and exits 1.
/// </summary>
internal static class CliErrors
{
    public static Option<bool> VerboseOption() => new("--verbose") { Description = "Print the stack trace of an error." };

    public static int Run(TextWriter error, bool verbose, Func<int> action)
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
            error.WriteLine(verbose ? e.ToString() : $"error: {e.Message}");
            return 1;
        }
    }
}
