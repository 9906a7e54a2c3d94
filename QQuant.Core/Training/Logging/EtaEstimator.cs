namespace QQuant.Training;

/// <summary>
/// Estimates the time left as the reference's logger does: the seconds per iteration averaged over every iteration
/// recorded since this run started (a resumed run starts a new estimator, so the average covers its own iterations
/// only), times the iterations that remain.
/// </summary>
public sealed class EtaEstimator
{
    private double _totalSeconds;

    /// <summary>The number of iterations recorded.</summary>
    public long Count { get; private set; }

    /// <summary>The mean seconds per recorded iteration, or null before the first.</summary>
    public double? MeanSeconds => Count == 0 ? null : _totalSeconds / Count;

    /// <summary>Records the wall-clock duration of one iteration.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The duration is negative or not finite.</exception>
    public void Record(double iterationSeconds)
    {
        if (!double.IsFinite(iterationSeconds) || iterationSeconds < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(iterationSeconds), iterationSeconds,
                "An iteration's duration must be finite and not negative.");
        }

        _totalSeconds += iterationSeconds;
        Count++;
    }

    /// <summary>The mean seconds per iteration × <paramref name="remainingIterations"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="remainingIterations"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">No iteration has been recorded yet.</exception>
    public TimeSpan Remaining(long remainingIterations)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(remainingIterations);
        double mean = MeanSeconds ?? throw new InvalidOperationException(
            "No iteration has been recorded yet; call Record before asking for the time left.");
        return TimeSpan.FromSeconds(mean * remainingIterations);
    }
}
