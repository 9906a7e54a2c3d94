namespace QQuant.Training;

/// <summary>One line of the training log: a train interval or a val result.</summary>
public sealed record TrainLogEntry
{
    /// <summary><c>train</c> or <c>val</c>.</summary>
    public string Mode { get; init; } = "train";

    /// <summary>The 1-based epoch.</summary>
    public int Epoch { get; init; }

    /// <summary>Train: the 1-based iteration within the epoch. Val: the number of val batches.</summary>
    public int Iteration { get; init; }

    /// <summary>Iterations in one epoch (train lines print it after the slash).</summary>
    public int IterationsPerEpoch { get; init; }

    /// <summary>The first parameter group's learning rate.</summary>
    public double Lr { get; init; }

    /// <summary>The estimated time to the end of training, or null to leave it out.</summary>
    public TimeSpan? Eta { get; init; }

    /// <summary>Mean seconds per iteration over the interval, or null.</summary>
    public double? Time { get; init; }

    /// <summary>Mean seconds per iteration spent waiting for data, or null.</summary>
    public double? DataTime { get; init; }

    /// <summary>Memory in MB, or null.</summary>
    public long? MemoryMb { get; init; }

    /// <summary>The logged values in order (loss, top-1, ...; accuracy_top-1, ... for val).</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Values { get; init; } = [];
}
