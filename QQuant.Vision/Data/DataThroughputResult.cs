namespace QQuant.Vision;

/// <summary>What <see cref="DataThroughput.Measure"/> measured: the median and every timed run.</summary>
public sealed class DataThroughputResult
{
    /// <summary>Creates the result from the images per second of each timed run.</summary>
    public DataThroughputResult(IReadOnlyList<double> runImagesPerSecond, int batchesPerRun, int batchSize, int workers)
    {
        if (runImagesPerSecond.Count == 0)
        {
            throw new ArgumentException("A throughput result needs at least one timed run.", nameof(runImagesPerSecond));
        }

        RunImagesPerSecond = runImagesPerSecond;
        BatchesPerRun = batchesPerRun;
        BatchSize = batchSize;
        Workers = workers;
        double[] sorted = runImagesPerSecond.Order().ToArray();
        int middle = sorted.Length / 2;
        ImagesPerSecond = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>The median over the timed runs of images delivered per second.</summary>
    public double ImagesPerSecond { get; }

    /// <summary>Images per second of each timed run, in run order.</summary>
    public IReadOnlyList<double> RunImagesPerSecond { get; }

    /// <summary>Batches taken in each run.</summary>
    public int BatchesPerRun { get; }

    /// <summary>The loader's batch size.</summary>
    public int BatchSize { get; }

    /// <summary>The loader's worker count.</summary>
    public int Workers { get; }

    /// <summary>One line: median images/s, the range of the runs, batch size and workers.</summary>
    public override string ToString() =>
        string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"{ImagesPerSecond:F1} images/s (median of {RunImagesPerSecond.Count} runs of {BatchesPerRun} batches, " +
            $"{RunImagesPerSecond.Min():F1}-{RunImagesPerSecond.Max():F1}; batch {BatchSize}, {Workers} workers)");
}
