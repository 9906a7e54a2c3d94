namespace QQuant.Training;

/// <summary>A section with an interval: <c>checkpointConfig</c> (epochs) and <c>logConfig</c> (iterations).</summary>
public sealed class IntervalConfig
{
    /// <summary>The interval; 0 turns checkpoints off.</summary>
    public int Interval { get; set; } = 1;
}
