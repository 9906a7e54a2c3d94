namespace QQuant.Training;

/// <summary>
/// Accumulates the values of the iterations of one log interval as the reference's log buffer does: each value is
/// averaged weighted by its batch size (Σ value·batch / Σ batch, per key), keys keep the order of their first
/// insertion; the iteration time and data time are plain means over the iterations.
/// </summary>
public sealed class IntervalMeter
{
    private readonly List<string> _order = [];
    private readonly Dictionary<string, (double Sum, long Weight)> _values = new(StringComparer.Ordinal);
    private double _time;
    private double _dataTime;

    /// <summary>The number of iterations timed with <see cref="AddTime"/> since the last <see cref="Clear"/>.</summary>
    public int TimedIterations { get; private set; }

    /// <summary>The mean seconds per iteration, or null when no iteration was timed.</summary>
    public double? MeanTime => TimedIterations == 0 ? null : _time / TimedIterations;

    /// <summary>The mean seconds per iteration spent loading data, or null when no iteration was timed.</summary>
    public double? MeanDataTime => TimedIterations == 0 ? null : _dataTime / TimedIterations;

    /// <summary>Adds one iteration's <paramref name="value"/> of <paramref name="key"/>, measured on <paramref name="batchSize"/> samples.</summary>
    /// <exception cref="ArgumentException">The key is empty or the batch size is below 1.</exception>
    public void Add(string key, double value, int batchSize)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (!_values.TryGetValue(key, out (double Sum, long Weight) entry))
        {
            _order.Add(key);
        }

        _values[key] = (entry.Sum + (value * batchSize), entry.Weight + batchSize);
    }

    /// <summary>Adds one iteration's total and data-loading seconds.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A time is negative or not finite.</exception>
    public void AddTime(double time, double dataTime)
    {
        if (!double.IsFinite(time) || time < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(time), time, "An iteration's time must be finite and not negative.");
        }

        if (!double.IsFinite(dataTime) || dataTime < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(dataTime), dataTime, "An iteration's data time must be finite and not negative.");
        }

        _time += time;
        _dataTime += dataTime;
        TimedIterations++;
    }

    /// <summary>The batch-weighted mean of every key, in the order the keys were first added.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Averages() =>
        _order.Select(k => new KeyValuePair<string, double>(k, _values[k].Sum / _values[k].Weight)).ToList();

    /// <summary>Forgets everything, for the next interval.</summary>
    public void Clear()
    {
        _order.Clear();
        _values.Clear();
        _time = 0;
        _dataTime = 0;
        TimedIterations = 0;
    }
}
