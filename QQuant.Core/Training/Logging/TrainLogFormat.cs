using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace QQuant.Training;

/// <summary>
/// Writes <see cref="TrainLogEntry"/> values in the reference's log formats: the text message
/// (<c>Epoch [1][200/626]\tlr: 1.000e-03, eta: 1 day, 1:32:11, time: 1.473, ...</c>), the full log line with Python
/// logging's timestamp, and the line of the <c>.log.json</c> file. Numbers are formatted as Python formats them (exact
/// digits rounded half to even, invariant culture, <c>nan</c>/<c>inf</c>/<c>-inf</c> for non-finite values).
/// </summary>
public static class TrainLogFormat
{
    private static readonly HashSet<string> Reserved =
        new(["mode", "epoch", "iter", "lr", "eta", "time", "data_time", "memory"], StringComparer.Ordinal);

    /// <summary>
    /// The message of a log line. Train: <c>Epoch [E][I/N]\t</c>, then <c>lr: %.3e</c>, <c>eta: </c><see cref="Eta"/>,
    /// <c>time: %.3f</c>, <c>data_time: %.3f</c>, <c>memory: MB</c> (each left out when null), then every value as
    /// <c>name: %.4f</c>, separated by <c>", "</c>. Val: <c>Epoch(val) [E][N]\t</c> and the values only. (The
    /// reference leaves a trailing <c>", "</c> on a train line without values; this does not.)
    /// </summary>
    /// <exception cref="ArgumentException">The entry's mode, counters or value names are invalid.</exception>
    public static string Message(TrainLogEntry entry)
    {
        Validate(entry);
        var parts = new List<string>();
        string head;
        if (entry.Mode == TrainLogEntry.TrainMode)
        {
            head = $"Epoch [{I(entry.Epoch)}][{I(entry.Iteration)}/{I(entry.IterationsPerEpoch)}]\t";
            parts.Add("lr: " + PythonNumberFormat.Exponent(entry.Lr, 3));
            if (entry.Eta is { } eta)
            {
                parts.Add("eta: " + Eta(eta));
            }

            if (entry.Time is { } time)
            {
                parts.Add("time: " + PythonNumberFormat.Fixed(time, 3));
            }

            if (entry.DataTime is { } dataTime)
            {
                parts.Add("data_time: " + PythonNumberFormat.Fixed(dataTime, 3));
            }

            if (entry.MemoryMb is { } memory)
            {
                parts.Add("memory: " + memory.ToString(CultureInfo.InvariantCulture));
            }
        }
        else
        {
            head = $"Epoch({entry.Mode}) [{I(entry.Epoch)}][{I(entry.Iteration)}]\t";
        }

        parts.AddRange(entry.Values.Select(v => $"{v.Key}: {PythonNumberFormat.Fixed(v.Value, 4)}"));
        return head + string.Join(", ", parts);
    }

    /// <summary>
    /// A full log line as Python logging's default formatter writes it:
    /// <c>2026-12-01 19:42:08,123 - qquant - INFO - message</c>, the time as given (its own offset), milliseconds
    /// truncated.
    /// </summary>
    public static string Line(DateTimeOffset time, string logger, string level, string message) =>
        time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)
        + "," + time.Millisecond.ToString("000", CultureInfo.InvariantCulture)
        + $" - {logger} - {level} - {message}";

    /// <summary>
    /// The entry as one line of the reference's <c>.log.json</c>: an object with <c>mode</c>, <c>epoch</c>,
    /// <c>iter</c>, <c>lr</c>, then <c>memory</c>, <c>data_time</c> and <c>time</c> when present, then the values in
    /// order (the eta is not written). Floats are rounded to 5 decimals as Python's <c>round(x, 5)</c> (the learning
    /// rate too, as the reference does) and written as Python writes them (<c>0.001</c>, <c>2.0</c>, <c>1e-05</c>),
    /// with Python's <c>", "</c> and <c>": "</c> separators. Python writes non-finite floats as bare <c>NaN</c> and
    /// <c>Infinity</c>, which is not JSON; here they are the strings <c>"NaN"</c>, <c>"Infinity"</c> and
    /// <c>"-Infinity"</c>, which System.Text.Json reads back as doubles with
    /// <see cref="System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The entry's mode, counters or value names are invalid.</exception>
    public static string Json(TrainLogEntry entry)
    {
        Validate(entry);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("mode", entry.Mode);
            writer.WriteNumber("epoch", entry.Epoch);
            writer.WriteNumber("iter", entry.Iteration);
            WriteFloat(writer, "lr", entry.Lr);
            if (entry.MemoryMb is { } memory)
            {
                writer.WriteNumber("memory", memory);
            }

            if (entry.DataTime is { } dataTime)
            {
                WriteFloat(writer, "data_time", dataTime);
            }

            if (entry.Time is { } time)
            {
                WriteFloat(writer, "time", time);
            }

            foreach (KeyValuePair<string, double> value in entry.Values)
            {
                WriteFloat(writer, value.Key, value.Value);
            }

            writer.WriteEndObject();
        }

        return WithPythonSeparators(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    /// <summary>
    /// The eta as Python's <c>str(timedelta(seconds=int(seconds)))</c>: whole seconds (truncated), <c>h:mm:ss</c>,
    /// preceded by <c>"1 day, "</c> or <c>"N days, "</c> from one day on: <c>0:05:03</c>, <c>1 day, 1:32:11</c>,
    /// <c>2 days, 0:00:00</c> (a negative span reads <c>-1 day, 23:59:59</c>, as in Python).
    /// </summary>
    public static string Eta(TimeSpan eta)
    {
        long seconds = eta.Ticks / TimeSpan.TicksPerSecond;
        long days = Math.DivRem(seconds, 86_400, out long rest);
        if (rest < 0)
        {
            days--;
            rest += 86_400;
        }

        string clock = string.Create(CultureInfo.InvariantCulture, $"{rest / 3600}:{rest / 60 % 60:00}:{rest % 60:00}");
        return days == 0 ? clock : string.Create(CultureInfo.InvariantCulture, $"{days} day{(Math.Abs(days) == 1 ? "" : "s")}, {clock}");
    }

    private static void WriteFloat(Utf8JsonWriter writer, string name, double value)
    {
        writer.WritePropertyName(name);
        if (double.IsFinite(value))
        {
            writer.WriteRawValue(PythonNumberFormat.Repr(PythonNumberFormat.Round(value, 5)));
        }
        else
        {
            writer.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }

    // The compact writer's ',' and ':' outside strings are exactly the separators; Python's json.dumps adds a space.
    private static string WithPythonSeparators(string compact)
    {
        var text = new StringBuilder(compact.Length + 32);
        bool inString = false;
        bool escaped = false;
        foreach (char c in compact)
        {
            text.Append(c);
            if (inString)
            {
                if (escaped)
                {
                    escaped = false;
                }
                else if (c == '\\')
                {
                    escaped = true;
                }
                else if (c == '"')
                {
                    inString = false;
                }
            }
            else if (c == '"')
            {
                inString = true;
            }
            else if (c is ',' or ':')
            {
                text.Append(' ');
            }
        }

        return text.ToString();
    }

    private static void Validate(TrainLogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(entry.Values, nameof(entry) + "." + nameof(entry.Values));
        if (entry.Mode is not (TrainLogEntry.TrainMode or TrainLogEntry.ValMode))
        {
            throw new ArgumentException(
                $"The log entry's mode is '{entry.Mode}'; it must be '{TrainLogEntry.TrainMode}' or '{TrainLogEntry.ValMode}'.",
                nameof(entry));
        }

        if (entry.Epoch < 1 || entry.Iteration < 1 || (entry.Mode == TrainLogEntry.TrainMode && entry.IterationsPerEpoch < 1))
        {
            throw new ArgumentException(
                $"The log entry's epoch ({I(entry.Epoch)}), iteration ({I(entry.Iteration)}) and iterations per epoch "
                + $"({I(entry.IterationsPerEpoch)}) must be at least 1; the epoch and the iteration are 1-based.",
                nameof(entry));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, double> value in entry.Values)
        {
            if (string.IsNullOrEmpty(value.Key) || Reserved.Contains(value.Key) || !seen.Add(value.Key))
            {
                throw new ArgumentException(
                    $"The log entry's value name '{value.Key}' is empty, repeated or one of the line's own keys "
                    + $"({string.Join(", ", Reserved)}); rename it.",
                    nameof(entry));
            }
        }
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
