namespace QQuant.Training;

/// <summary>The <c>evaluation</c> section: how often and what to measure on the val split.</summary>
public sealed class EvaluationConfig
{
    /// <summary>Evaluate every this many epochs; 0 never.</summary>
    public int Interval { get; set; } = 1;

    /// <summary>The metrics; <c>accuracy</c> is the one supported (top-k in percent).</summary>
    public IReadOnlyList<string> Metric { get; set; } = ["accuracy"];

    /// <summary>The k of each top-k accuracy (the reference's <c>metric_options.topk</c>).</summary>
    public IReadOnlyList<int> Topk { get; set; } = [1, 5];
}
