namespace QQuant.Training;

/// <summary>mmcv's eta: the mean time per iteration since this run started, times the iterations left.</summary>
public sealed class EtaEstimator
{
    private double _seconds;
    private long _iterations;

    /// <summary>Adds one iteration's duration.</summary>
    public void Record(double iterationSeconds)
    {
        _seconds += iterationSeconds;
        _iterations++;
    }

    /// <summary>The estimated time for <paramref name="remainingIterations"/> more iterations (zero before any was recorded).</summary>
    public TimeSpan Remaining(long remainingIterations) =>
        _iterations == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(_seconds / _iterations * Math.Max(0, remainingIterations));
}
