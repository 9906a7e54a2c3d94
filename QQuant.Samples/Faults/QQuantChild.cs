using System.Diagnostics;

namespace QQuant.Samples.Faults;

/// <summary>
/// A <c>qquant</c> command running in a child process (this assembly under the <c>dotnet</c> host), with its output
/// kept (the last lines, for failure reports) and a way to kill it as <c>kill -9</c> does.
/// </summary>
internal sealed class QQuantChild : IDisposable
{
    private const int KeptLines = 30;

    private readonly Process _process;
    private readonly Queue<string> _lines = new();
    private readonly ManualResetEventSlim _trainingStarted = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _trainingStartedAt;
    private int _killed;

    private QQuantChild(Process process)
    {
        _process = process;
    }

    /// <summary>Set once the child logged the start of its epoch loop (<c>workflow: ...</c>).</summary>
    public WaitHandle TrainingStarted => _trainingStarted.WaitHandle;

    /// <summary>When, after the start, the child logged the start of its epoch loop (valid once <see cref="TrainingStarted"/> is set).</summary>
    public TimeSpan TrainingStartedAt => _trainingStartedAt;

    /// <summary>How long the process has run (or ran, once it exited and <see cref="WaitForExit"/> returned).</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>True when the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>True when <see cref="Kill"/> ended the process (rather than the process finishing first).</summary>
    public bool WasKilled => Volatile.Read(ref _killed) == 1 && _process.HasExited && _process.ExitCode != 0;

    /// <summary>The exit code; only once the process has exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <c>qquant <paramref name="arguments"/></c>.</summary>
    public static QQuantChild Start(IEnumerable<string> arguments)
    {
        string qquant = typeof(QQuantChild).Assembly.Location;
        string self = Environment.ProcessPath ?? "";
        string host = Path.GetFileNameWithoutExtension(self) == "dotnet"
            ? self
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } set ? set : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // One torch thread: on a loaded machine a thread waiting at every parallel region for a descheduled peer
            // slows a run tenfold. Every run of a fault class trains alike, so results stay comparable.
            Environment = { ["OMP_NUM_THREADS"] = "1" },
        };
        start.ArgumentList.Add(qquant);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var child = new QQuantChild(process);
        process.OutputDataReceived += (_, e) => child.Record(e.Data);
        process.ErrorDataReceived += (_, e) => child.Record(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Sends SIGKILL to the process (and any it started); nothing happens when it has exited already.</summary>
    public void Kill()
    {
        Volatile.Write(ref _killed, 1);
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited on its own just before.
        }
    }

    /// <summary>Waits for the process to exit (and its output to be read); false when <paramref name="timeout"/> passed first.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }

        _process.WaitForExit();
        _clock.Stop();
        return true;
    }

    /// <summary>The last lines the process wrote to its standard output and error.</summary>
    public string Tail()
    {
        lock (_lines)
        {
            return string.Join(" | ", _lines);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
        _trainingStarted.Dispose();
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (!_trainingStarted.IsSet && line.Contains("workflow: [", StringComparison.Ordinal))
        {
            _trainingStartedAt = _clock.Elapsed;
            _trainingStarted.Set();
        }

        lock (_lines)
        {
            _lines.Enqueue(line);
            if (_lines.Count > KeptLines)
            {
                _lines.Dequeue();
            }
        }
    }
}
