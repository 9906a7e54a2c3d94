using System.Globalization;

namespace QQuant.Samples;

/// <summary>
/// Shows the progress of long work on the error stream, and only when that stream is a terminal: a redirected
/// stream (a log file, a pipe, a test's <see cref="StringWriter"/>) gets nothing, and standard output, which carries
/// the tables and JSON users redirect, never gets progress.
/// </summary>
/// <remarks>
/// A library stage (<see cref="ProgressStep"/>: calibration, sensitivity, ONNX export) is one line rewritten in place
/// with <c>\r</c>, <c>[3/12] sensitivity: layer2.0.conv1</c>, ended by a newline when the stage completes. A benchmark
/// row gets a line of its own (<see cref="Line"/>) before it is measured, so its output rows stay on lines of their own.
/// </remarks>
internal sealed class TerminalProgress : IProgress<ProgressStep>
{
    private readonly TextWriter _error;
    private readonly Lock _lock = new();
    private int _open;

    /// <summary>Progress on <paramref name="error"/> if <paramref name="isTerminal"/>, otherwise nowhere.</summary>
    public TerminalProgress(TextWriter error, bool isTerminal)
    {
        _error = error;
        IsTerminal = isTerminal;
    }

    /// <summary>Whether progress is shown.</summary>
    public bool IsTerminal { get; }

    /// <summary>
    /// Progress on <paramref name="error"/>: shown when it is the process's standard error and that is a terminal
    /// (not redirected); never for another writer.
    /// </summary>
    public static TerminalProgress For(TextWriter error) =>
        new(error, ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected);

    /// <summary>Rewrites the stage's line with <paramref name="step"/>; ends the line when the stage completes.</summary>
    public void Report(ProgressStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (!IsTerminal)
        {
            return;
        }

        lock (_lock)
        {
            string text = Format(step);
            _error.Write("\r" + text.PadRight(_open));
            _open = text.Length;
            if (step.IsLast)
            {
                _error.WriteLine();
                _open = 0;
            }

            _error.Flush();
        }
    }

    /// <summary>
    /// A line of its own, <c>[index/total] stage: item</c>: item <paramref name="index"/> (from 1) of
    /// <paramref name="total"/> is about to be measured.
    /// </summary>
    public void Line(string stage, int index, int total, string item)
    {
        if (!IsTerminal)
        {
            return;
        }

        lock (_lock)
        {
            EndOpenLine();
            _error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{index}/{total}] {stage}: {item}"));
            _error.Flush();
        }
    }

    /// <summary>Ends a stage's line left open by work that stopped before it completed, so what follows starts a line.</summary>
    public void EndLine()
    {
        lock (_lock)
        {
            EndOpenLine();
        }
    }

    private void EndOpenLine()
    {
        if (_open > 0)
        {
            _error.WriteLine();
            _open = 0;
        }
    }

    /// <summary><c>[done/total] stage: item</c>; <c>[done] stage</c> while the total is not known; no item, no colon.</summary>
    internal static string Format(ProgressStep step)
    {
        string count = step.Total > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{step.Done}/{step.Total}")
            : step.Done.ToString(CultureInfo.InvariantCulture);
        return step.Item is null ? $"[{count}] {step.Stage}" : $"[{count}] {step.Stage}: {step.Item}";
    }
}
