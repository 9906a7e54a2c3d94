using System.Globalization;
using System.Text;
using System.Text.Json;

namespace QQuant.Training;

/// <summary>
/// The reference's log formats (mmcv's TextLoggerHook), so existing log parsers read QQuant's logs:
/// <c>Epoch [1][200/626]	lr: 1.000e-03, eta: 1 day, 1:32:11, time: 1.473, data_time: 0.449, memory: 10283, loss: 1.3465, top-1: 68.2227</c>,
/// <c>Epoch(val) [1][40]	accuracy_top-1: 91.2300</c>, Python logging's line prefix, and the <c>.log.json</c> objects.
/// </summary>
public static class TrainLogFormat
{
    /// <summary>The message of <paramref name="entry"/> (without the time and level prefix).</summary>
    public static string Message(TrainLogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var text = new StringBuilder();
        if (entry.Mode == "val")
        {
            text.Append(CultureInfo.InvariantCulture, $"Epoch(val) [{entry.Epoch}][{entry.Iteration}]\t");
        }
        else
        {
            text.Append(CultureInfo.InvariantCulture, $"Epoch [{entry.Epoch}][{entry.Iteration}/{entry.IterationsPerEpoch}]\t");
            text.Append("lr: ").Append(Scientific(entry.Lr)).Append(", ");
            if (entry.Eta is { } eta)
            {
                text.Append("eta: ").Append(Eta(eta)).Append(", ");
            }

            if (entry.Time is { } time)
            {
                text.Append("time: ").Append(Fixed(time, 3)).Append(", ");
            }

            if (entry.DataTime is { } dataTime)
            {
                text.Append("data_time: ").Append(Fixed(dataTime, 3)).Append(", ");
            }

            if (entry.MemoryMb is { } memory)
            {
                text.Append(CultureInfo.InvariantCulture, $"memory: {memory}, ");
            }
        }

        foreach ((string key, double value) in entry.Values)
        {
            text.Append(key).Append(": ").Append(Fixed(value, 4)).Append(", ");
        }

        return text.ToString().TrimEnd(' ', ',', '\t');
    }

    /// <summary>Python logging's default line: <c>2026-12-01 19:42:08,123 - qquant - INFO - message</c>.</summary>
    public static string Line(DateTimeOffset time, string logger, string level, string message) =>
        $"{time.ToString("yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture)} - {logger} - {level} - {message}";

    /// <summary>
    /// The <c>.log.json</c> object of <paramref name="entry"/> on one line: <c>mode</c>, <c>epoch</c>, <c>iter</c>,
    /// <c>lr</c>, then <c>memory</c>, <c>data_time</c>, <c>time</c> when known, then the values; numbers rounded to 5
    /// decimals. A non-finite value is written as the string <c>"NaN"</c>, <c>"Infinity"</c> or <c>"-Infinity"</c>
    /// (JSON has no such numbers).
    /// </summary>
    public static string Json(TrainLogEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("mode", entry.Mode);
            json.WriteNumber("epoch", entry.Epoch);
            json.WriteNumber("iter", entry.Iteration);
            Number(json, "lr", entry.Lr, round: false);
            if (entry.MemoryMb is { } memory)
            {
                json.WriteNumber("memory", memory);
            }

            if (entry.DataTime is { } dataTime)
            {
                Number(json, "data_time", dataTime);
            }

            if (entry.Time is { } time)
            {
                Number(json, "time", time);
            }

            foreach ((string key, double value) in entry.Values)
            {
                Number(json, key, value);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>An eta as Python's <c>str(timedelta(seconds=int(s)))</c>: <c>0:05:03</c>, <c>1 day, 1:32:11</c>, <c>2 days, 0:00:00</c>.</summary>
    public static string Eta(TimeSpan eta)
    {
        long seconds = Math.Max(0, (long)eta.TotalSeconds);
        long days = seconds / 86_400;
        long rest = seconds % 86_400;
        string clock = string.Create(CultureInfo.InvariantCulture, $"{rest / 3600}:{rest / 60 % 60:00}:{rest % 60:00}");
        return days == 0 ? clock : string.Create(CultureInfo.InvariantCulture, $"{days} day{(days == 1 ? "" : "s")}, {clock}");
    }

    /// <summary>Python's <c>%.3e</c>: <c>1.000e-03</c>, <c>2.500e-05</c>, <c>1.000e-100</c>.</summary>
    public static string Scientific(double value)
    {
        if (!double.IsFinite(value))
        {
            return NonFinite(value);
        }

        string text = value.ToString("0.000e+00", CultureInfo.InvariantCulture);
        return text;
    }

    private static string Fixed(double value, int decimals) =>
        double.IsFinite(value) ? value.ToString("F" + decimals, CultureInfo.InvariantCulture) : NonFinite(value);

    private static string NonFinite(double value) => double.IsNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";

    private static void Number(Utf8JsonWriter json, string key, double value, bool round = true)
    {
        if (!double.IsFinite(value))
        {
            json.WriteString(key, double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
            return;
        }

        json.WriteNumber(key, round ? Math.Round(value, 5) : value);
    }
}
