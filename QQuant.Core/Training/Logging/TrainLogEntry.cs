namespace QQuant.Training;

/// <summary>
/// One line of the training log: where training stands, the learning rate, the timings of the last log interval and
/// the interval's averaged values. <see cref="TrainLogFormat"/> writes it as the reference's text and JSON lines.
/// </summary>
/// <param name="Mode"><see cref="TrainMode"/> (<c>train</c>) or <see cref="ValMode"/> (<c>val</c>).</param>
/// <param name="Epoch">The epoch, 1-based.</param>
/// <param name="Iteration">For train, the iteration within the epoch, 1-based; for val, the number of val batches.</param>
/// <param name="IterationsPerEpoch">The number of iterations of a training epoch.</param>
/// <param name="Lr">The current learning rate (of the first parameter group).</param>
/// <param name="Eta">The estimated time left, or null to leave it out.</param>
/// <param name="Time">The mean seconds per iteration over the interval, or null to leave it out.</param>
/// <param name="DataTime">The mean seconds per iteration spent loading data, or null to leave it out.</param>
/// <param name="MemoryMb">The peak accelerator memory allocated in MB, or null (on CPU) to leave it out.</param>
/// <param name="Values">
/// The logged values in order, e.g. <c>loss</c>, <c>top-1</c>, <c>top-5</c> for train and <c>accuracy_top-1</c>,
/// <c>accuracy_top-5</c> for val. Names are unique and none is one of the line's own keys (mode, epoch, iter, lr, eta,
/// time, data_time, memory). Equality of entries compares this list by reference.
/// </param>
public sealed record TrainLogEntry(
    string Mode,
    int Epoch,
    int Iteration,
    int IterationsPerEpoch,
    double Lr,
    TimeSpan? Eta,
    double? Time,
    double? DataTime,
    long? MemoryMb,
    IReadOnlyList<KeyValuePair<string, double>> Values)
{
    /// <summary>The mode of a training line.</summary>
    public const string TrainMode = "train";

    /// <summary>The mode of a validation line.</summary>
    public const string ValMode = "val";
}
