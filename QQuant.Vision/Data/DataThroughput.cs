using System.Diagnostics;

namespace QQuant.Vision;

/// <summary>
/// Measures how fast a <see cref="DataLoader"/> delivers images: the number behind <c>qquant bench data</c>.
/// </summary>
public static class DataThroughput
{
    /// <summary>
    /// Takes <paramref name="batches"/> batches from the loader once to warm up (threads, pools, caches, JIT), then
    /// <paramref name="runs"/> more times timed, and returns the median images per second. Each run starts a fresh
    /// epoch enumeration, so worker start-up is part of what is timed, as in training; a run longer than an epoch goes
    /// on into the next epoch. Every batch is made on the loader's device and disposed.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="batches"/> or <paramref name="runs"/> is below 1, or the
    /// loader has no batches.</exception>
    public static DataThroughputResult Measure(DataLoader loader, int batches, int runs = 5)
    {
        ArgumentNullException.ThrowIfNull(loader);
        if (batches < 1 || runs < 1)
        {
            throw new ArgumentException($"Measuring throughput needs at least 1 batch and 1 run, got {batches} batches and {runs} runs.");
        }

        if (loader.BatchesPerEpoch == 0)
        {
            throw new ArgumentException(
                $"The loader has no batches: {loader.Dataset.Count} samples, batch {loader.BatchSize}, dropLast {loader.DropLast}.");
        }

        int epoch = 0;
        Run(loader, batches, ref epoch);
        var results = new double[runs];
        for (int run = 0; run < runs; run++)
        {
            long start = Stopwatch.GetTimestamp();
            long images = Run(loader, batches, ref epoch);
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            results[run] = images / Math.Max(seconds, 1e-9);
        }

        return new DataThroughputResult(results, batches, loader.BatchSize, loader.Workers);
    }

    private static long Run(DataLoader loader, int batches, ref int epoch)
    {
        long images = 0;
        int taken = 0;
        while (taken < batches)
        {
            foreach (Batch batch in loader.Epoch(epoch))
            {
                using (batch)
                {
                    images += batch.Count;
                }

                if (++taken == batches)
                {
                    break;
                }
            }

            epoch++;
        }

        return images;
    }
}
