using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace QQuant.Training;

/// <summary>
/// The training log: every line goes to the console and, with a work dir, to <c>&lt;workDir&gt;/&lt;yyyyMMdd_HHmmss&gt;.log</c>
/// in the reference's format (<c>2026-12-01 19:42:08,123 - qquant - INFO - Epoch [1][200/626]	lr: ...</c>); every
/// train and val entry also goes to <c>&lt;timestamp&gt;.log.json</c>, one JSON object per line. Lines are flushed
/// as they are written, so a crash keeps everything logged before it.
/// </summary>
public sealed class TrainingLog : IDisposable
{
    /// <summary>The logger name printed in every line (the reference prints <c>lbitcls</c>).</summary>
    public const string LoggerName = "qquant";

    private readonly TextWriter _console;
    private readonly StreamWriter? _text;
    private readonly StreamWriter? _json;
    private readonly ILogger? _logger;
    private readonly object _gate = new();

    /// <summary>Opens the log.</summary>
    /// <param name="console">Where lines are echoed (the console, or <see cref="TextWriter.Null"/>).</param>
    /// <param name="workDir">The folder of the log files, or null for the console only.</param>
    /// <param name="timestamp">The run's start time; it names the files.</param>
    /// <param name="logger">Also receives every message, or null.</param>
    public TrainingLog(TextWriter console, string? workDir, DateTimeOffset timestamp, ILogger? logger = null)
    {
        _console = console;
        _logger = logger;
        Timestamp = timestamp.ToString("yyyyMMdd_HHmmss", CultureInfo.InvariantCulture);
        if (workDir is not null)
        {
            Directory.CreateDirectory(workDir);
            TextPath = Path.Combine(workDir, Timestamp + ".log");
            JsonPath = TextPath + ".json";
            _text = Open(TextPath);
            _json = Open(JsonPath);
        }
    }

    /// <summary>The run's timestamp, <c>yyyyMMdd_HHmmss</c>.</summary>
    public string Timestamp { get; }

    /// <summary>The text log file, or null.</summary>
    public string? TextPath { get; }

    /// <summary>The JSON-lines log file, or null.</summary>
    public string? JsonPath { get; }

    /// <summary>Whether the console is an interactive terminal (progress bars are drawn only then).</summary>
    public bool Interactive { get; init; }

    /// <summary>Writes one INFO line.</summary>
    public void Info(string message) => Write("INFO", message, LogLevel.Information);

    /// <summary>Writes one WARNING line.</summary>
    public void Warning(string message) => Write("WARNING", message, LogLevel.Warning);

    /// <summary>Writes a train or val entry as a text line and a JSON line.</summary>
    public void Entry(TrainLogEntry entry)
    {
        Info(TrainLogFormat.Message(entry));
        lock (_gate)
        {
            _json?.WriteLine(TrainLogFormat.Json(entry));
        }
    }

    /// <summary>Writes an arbitrary JSON object line to the JSON log (the run's meta, first).</summary>
    public void JsonLine(string json)
    {
        lock (_gate)
        {
            _json?.WriteLine(json);
        }
    }

    /// <summary>A progress bar over <paramref name="total"/> steps on interactive terminals; null elsewhere.</summary>
    public IProgress<int>? Progress(int total) => Interactive && total > 0 ? new ProgressBar(_console, total) : null;

    /// <inheritdoc />
    public void Dispose()
    {
        _text?.Dispose();
        _json?.Dispose();
    }

    private void Write(string level, string message, LogLevel logLevel)
    {
        string line = TrainLogFormat.Line(DateTimeOffset.Now, LoggerName, level, message);
        lock (_gate)
        {
            _console.WriteLine(line);
            _text?.WriteLine(line);
        }

        _logger?.Log(logLevel, "{Message}", message);
    }

    private static StreamWriter Open(string path) =>
        new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false)) { AutoFlush = true };

    private sealed class ProgressBar(TextWriter console, int total) : IProgress<int>
    {
        private const int Width = 40;

        public void Report(int done)
        {
            int filled = (int)((long)Width * Math.Min(done, total) / total);
            console.Write($"\r[{new string('>', filled)}{new string(' ', Width - filled)}] {done}/{total}");
            if (done >= total)
            {
                console.WriteLine();
            }

            console.Flush();
        }
    }
}
