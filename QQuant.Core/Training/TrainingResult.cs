namespace QQuant.Training;

/// <summary>What a finished <see cref="Trainer{TBatch}.Run"/> did.</summary>
/// <param name="Epochs">The epochs completed in all (including those before a resume).</param>
/// <param name="Iterations">The iterations completed in all.</param>
/// <param name="LastMetrics">The metrics of the last evaluation, or empty when none ran.</param>
/// <param name="LastCheckpoint">The last checkpoint written, or null.</param>
/// <param name="Seconds">Wall-clock seconds this run took.</param>
public sealed record TrainingResult(
    int Epochs, long Iterations, IReadOnlyList<KeyValuePair<string, double>> LastMetrics, string? LastCheckpoint, double Seconds);
