using QQuant.Vision;

namespace QQuant.Tests.Vision.Data;

public class DataThroughputTests
{
    [Fact]
    public void Measuring_a_loader_gives_positive_rates_for_every_run()
    {
        // 5 batches per epoch: a run of 7 batches crosses into the next epoch.
        var loader = new DataLoader(new SyntheticDataset(10), new DataLoaderOptions { BatchSize = 2, Workers = 2 });

        DataThroughputResult result = DataThroughput.Measure(loader, batches: 7, runs: 3);

        Assert.Equal(3, result.RunImagesPerSecond.Count);
        Assert.All(result.RunImagesPerSecond, rate => Assert.True(rate > 0));
        Assert.Equal(result.RunImagesPerSecond.Order().ElementAt(1), result.ImagesPerSecond);
        Assert.Equal(7, result.BatchesPerRun);
        Assert.Contains("images/s (median of 3 runs of 7 batches", result.ToString());
    }

    [Fact]
    public void The_median_of_an_even_number_of_runs_is_the_mean_of_the_middle_two()
    {
        var result = new DataThroughputResult([40, 10, 30, 20], batchesPerRun: 1, batchSize: 1, workers: 0);

        Assert.Equal(25, result.ImagesPerSecond);
    }

    [Fact]
    public void A_loader_without_batches_cannot_be_measured()
    {
        var loader = new DataLoader(new SyntheticDataset(3), new DataLoaderOptions { BatchSize = 4, DropLast = true });

        var error = Assert.Throws<ArgumentException>(() => DataThroughput.Measure(loader, batches: 2));

        Assert.Contains("no batches", error.Message);
    }
}
