using QQuant.Vision;

namespace QQuant.Tests.Vision.Data;

public class DataLoaderWorkerTests
{
    [Fact]
    public void Random_transforms_give_the_same_batches_with_zero_one_or_four_workers()
    {
        List<LoadedBatch> Run(int workers, int epoch)
        {
            var dataset = new SyntheticDataset(23, pipeline: [new AddNoise()]);
            var options = new DataLoaderOptions { BatchSize = 4, Shuffle = true, Seed = 42, Workers = workers, Prefetch = 1 };
            return LoadedBatch.Epoch(new DataLoader(dataset, options), epoch);
        }

        List<LoadedBatch> reference = Run(0, 1);
        Assert.Equal(6, reference.Count);
        // The noise is really there: pixels are index + [0, 1), not all equal to the index.
        Assert.Contains(reference[0].Images, v => v != MathF.Floor(v));
        foreach (int workers in new[] { 1, 4 })
        {
            List<LoadedBatch> other = Run(workers, 1);
            Assert.Equal(reference.Select(b => b.Indices), other.Select(b => b.Indices));
            Assert.Equal(reference.Select(b => b.Images), other.Select(b => b.Images));
        }

        // Another epoch draws other noise for the same sample.
        LoadedBatch[] epoch2 = [.. Run(0, 2)];
        int sample = reference[0].Indices[0];
        LoadedBatch holder = epoch2.Single(b => b.Indices.Contains(sample));
        int slot = Array.IndexOf(holder.Indices, sample);
        Assert.NotEqual(reference[0].Images.Take(24), holder.Images.Skip(slot * 24).Take(24));
    }

    [Fact]
    public void Workers_load_on_background_threads_and_zero_workers_on_the_calling_thread()
    {
        var inline = new SyntheticDataset(8);
        LoadedBatch.Epoch(new DataLoader(inline, new DataLoaderOptions { BatchSize = 2 }), 0);
        var background = new SyntheticDataset(8);
        LoadedBatch.Epoch(new DataLoader(background, new DataLoaderOptions { BatchSize = 2, Workers = 3 }), 0);

        Assert.Equal([Thread.CurrentThread], inline.Threads);
        Assert.Equal(3, background.Threads.Count);
        Assert.DoesNotContain(Thread.CurrentThread, background.Threads);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    public void A_sample_that_fails_to_load_surfaces_in_the_consumer_naming_its_index(int workers)
    {
        var dataset = new SyntheticDataset(20) { ThrowAt = 13 };
        var loader = new DataLoader(dataset, new DataLoaderOptions { BatchSize = 4, Workers = workers });
        var delivered = new List<int>();

        var error = Assert.Throws<DataLoadException>(() =>
        {
            foreach (Batch batch in loader.Epoch(0))
            {
                using (batch)
                {
                    delivered.AddRange(batch.Indices);
                }
            }
        });

        Assert.Equal(13, error.SampleIndex);
        Assert.Contains("sample 13", error.Message);
        Assert.Contains("broken file 13", error.Message);
        Assert.IsType<InvalidOperationException>(error.InnerException);
        // The batches before the broken one (samples 0..11) were delivered, in order.
        Assert.Equal(Enumerable.Range(0, 12), delivered);
        Assert.All(dataset.Threads.Where(t => t != Thread.CurrentThread), t => Assert.False(t.IsAlive));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Leaving_an_epoch_early_stops_the_workers(int workers)
    {
        var dataset = new SyntheticDataset(400) { DelayMs = 1 };
        var loader = new DataLoader(dataset, new DataLoaderOptions { BatchSize = 2, Workers = workers, Prefetch = 2 });
        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        foreach (Batch batch in loader.Epoch(0))
        {
            batch.Dispose();
            break;
        }

        Assert.All(dataset.Threads.Where(t => t != Thread.CurrentThread), t => Assert.False(t.IsAlive));
        Assert.Equal(0, dataset.InFlight);
        int loads = dataset.Loads;
        Thread.Sleep(50);
        Assert.Equal(loads, dataset.Loads);
        // At most the first batch plus what the workers could queue and hold in hand: far from the 400 samples.
        Assert.True(loads <= 2 * (1 + workers * 3), $"{loads} samples were loaded");
        Assert.Equal(before, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
