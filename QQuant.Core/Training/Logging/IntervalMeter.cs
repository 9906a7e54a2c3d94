namespace QQuant.Training;

/// <summary>
/// The values of one log interval (mmcv's log buffer): each key's mean weighted by batch size, in the order keys first
/// appeared, and the plain means of the iteration and data times.
/// </summary>
public sealed class IntervalMeter
{
    private readonly List<string> _order = [];
    private readonly Dictionary<string, (double Sum, long Count)> _values = new(StringComparer.Ordinal);
    private double _time;
    private double _dataTime;
    private int _iterations;

    /// <summary>Adds <paramref name="value"/> measured on <paramref name="batchSize"/> samples under <paramref name="key"/>.</summary>
    public void Add(string key, double value, int batchSize)
    {
        if (!_values.TryGetValue(key, out (double Sum, long Count) total))
        {
            _order.Add(key);
        }

        _values[key] = (total.Sum + value * batchSize, total.Count + batchSize);
    }

    /// <summary>Adds one iteration's total and data-loading seconds.</summary>
    public void AddTime(double time, double dataTime)
    {
        _time += time;
        _dataTime += dataTime;
        _iterations++;
    }

    /// <summary>The mean seconds per iteration, or null before any iteration.</summary>
    public double? MeanTime => _iterations == 0 ? null : _time / _iterations;

    /// <summary>The mean data-loading seconds per iteration, or null before any iteration.</summary>
    public double? MeanDataTime => _iterations == 0 ? null : _dataTime / _iterations;

    /// <summary>Each key's batch-size-weighted mean, in first-seen order.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Averages() =>
        [.. _order.Select(k => KeyValuePair.Create(k, _values[k].Count == 0 ? 0 : _values[k].Sum / _values[k].Count))];

    /// <summary>Starts a new interval.</summary>
    public void Clear()
    {
        _order.Clear();
        _values.Clear();
        _time = 0;
        _dataTime = 0;
        _iterations = 0;
    }
}
