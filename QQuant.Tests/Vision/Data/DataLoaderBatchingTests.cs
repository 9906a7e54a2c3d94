using QQuant.Vision;
using TorchSharp;

namespace QQuant.Tests.Vision.Data;

public class DataLoaderBatchingTests
{
    [Theory]
    [InlineData(false, 0, new[] { 4, 4, 2 })]
    [InlineData(true, 0, new[] { 4, 4 })]
    [InlineData(false, 2, new[] { 4, 4, 2 })]
    [InlineData(true, 2, new[] { 4, 4 })]
    public void Ten_samples_in_batches_of_four_make_three_batches_or_two_with_drop_last(bool dropLast, int workers, int[] sizes)
    {
        var loader = new DataLoader(new SyntheticDataset(10), new DataLoaderOptions { BatchSize = 4, DropLast = dropLast, Workers = workers });

        List<LoadedBatch> batches = LoadedBatch.Epoch(loader, 0);

        Assert.Equal(sizes.Length, loader.BatchesPerEpoch);
        Assert.Equal(sizes, batches.Select(b => b.Indices.Length));
        Assert.Equal(Enumerable.Range(0, sizes.Sum()), batches.SelectMany(b => b.Indices));
    }

    [Fact]
    public void A_batch_size_near_int_max_makes_one_batch_of_every_sample()
    {
        var loader = new DataLoader(new SyntheticDataset(10), new DataLoaderOptions { BatchSize = int.MaxValue });

        List<LoadedBatch> batches = LoadedBatch.Epoch(loader, 0);

        Assert.Equal(1, loader.BatchesPerEpoch);
        Assert.Equal(Enumerable.Range(0, 10), Assert.Single(batches).Indices);
    }

    [Fact]
    public void A_batch_holds_each_sample_pixels_labels_and_file_names_in_order()
    {
        // Sample i is 2x3x4 filled with i and labelled i mod 3.
        var loader = new DataLoader(new SyntheticDataset(5), new DataLoaderOptions { BatchSize = 3 });

        List<LoadedBatch> batches = LoadedBatch.Epoch(loader, 0);

        LoadedBatch second = batches[1];
        Assert.Equal([2L, 2, 3, 4], second.Shape);
        Assert.Equal([3, 4], second.Indices);
        float[] expected = [.. Enumerable.Repeat(3f, 24), .. Enumerable.Repeat(4f, 24)];
        Assert.Equal(expected, second.Images);
        Assert.Equal([0L, 1L], second.Labels);
        Assert.Equal(new string?[] { "img3.png", "img4.png" }, second.FileNames.AsEnumerable());
        Assert.Equal([0L, 1L, 2L], batches[0].Labels);
    }

    [Fact]
    public void Batch_tensors_are_float32_images_and_int64_labels_on_the_cpu_by_default()
    {
        var loader = new DataLoader(new SyntheticDataset(4), new DataLoaderOptions { BatchSize = 4 });

        using Batch batch = loader.Epoch(0).First();

        Assert.Equal(torch.ScalarType.Float32, batch.Images.dtype);
        Assert.Equal(torch.ScalarType.Int64, batch.Labels.dtype);
        Assert.Equal(DeviceType.CPU, batch.Images.device_type);
        Assert.Equal(DeviceType.CPU, batch.Labels.device_type);
        Assert.Equal(4, batch.Count);
        Assert.Equal(2, (int)batch.Metas[2]["index"]);
    }

    [Fact]
    public void Without_shuffle_every_epoch_visits_the_samples_in_index_order()
    {
        var loader = new DataLoader(new SyntheticDataset(7), new DataLoaderOptions { BatchSize = 3, Seed = 5 });

        Assert.Equal(Enumerable.Range(0, 7), loader.Order(0));
        Assert.Equal(Enumerable.Range(0, 7), loader.Order(3));
    }

    [Fact]
    public void Shuffle_gives_a_permutation_that_depends_on_the_seed_and_the_epoch_only()
    {
        DataLoader Loader(long seed) => new(new SyntheticDataset(50), new DataLoaderOptions { BatchSize = 8, Shuffle = true, Seed = seed });

        int[] epoch0 = Loader(1).Order(0);

        Assert.Equal(Enumerable.Range(0, 50), epoch0.Order());
        Assert.NotEqual(Enumerable.Range(0, 50), epoch0);
        Assert.Equal(epoch0, Loader(1).Order(0));
        Assert.NotEqual(epoch0, Loader(1).Order(1));
        Assert.NotEqual(epoch0, Loader(2).Order(0));
    }

    [Fact]
    public void A_shuffled_epoch_delivers_its_order_and_drop_last_leaves_out_its_tail()
    {
        var loader = new DataLoader(new SyntheticDataset(10), new DataLoaderOptions { BatchSize = 4, Shuffle = true, Seed = 9, DropLast = true });

        List<LoadedBatch> batches = LoadedBatch.Epoch(loader, 2);

        int[] order = loader.Order(2);
        Assert.Equal(order.Take(8), batches.SelectMany(b => b.Indices));
        // Every image is filled with its own index.
        Assert.All(batches, b => Assert.Equal(b.Indices.SelectMany(i => Enumerable.Repeat((float)i, 24)), b.Images));
    }

    [Fact]
    public void Enumerating_the_loader_itself_gives_epoch_zero()
    {
        var loader = new DataLoader(new SyntheticDataset(9), new DataLoaderOptions { BatchSize = 4, Shuffle = true, Seed = 3 });

        var direct = new List<int>();
        foreach (Batch batch in loader)
        {
            using (batch)
            {
                direct.AddRange(batch.Indices);
            }
        }

        Assert.Equal(loader.Order(0), direct);
    }

    [Fact]
    public void An_unlabelled_dataset_gives_labels_of_minus_one()
    {
        var loader = new DataLoader(new SyntheticDataset(3) { Label = _ => -1 }, new DataLoaderOptions { BatchSize = 3 });

        Assert.Equal([-1L, -1L, -1L], LoadedBatch.Epoch(loader, 0)[0].Labels);
    }

    [Theory]
    [InlineData(0, 0, 2, "BatchSize")]
    [InlineData(2, -1, 2, "Workers")]
    [InlineData(2, 1, 0, "Prefetch")]
    public void Out_of_range_options_are_rejected_by_name(int batchSize, int workers, int prefetch, string name)
    {
        var options = new DataLoaderOptions { BatchSize = batchSize, Workers = workers, Prefetch = prefetch };

        var error = Assert.Throws<ArgumentException>(() => new DataLoader(new SyntheticDataset(3), options));

        Assert.Contains(name, error.Message);
    }

    [Fact]
    public void A_negative_epoch_is_rejected()
    {
        var loader = new DataLoader(new SyntheticDataset(3), new DataLoaderOptions());

        Assert.Throws<ArgumentException>(() => loader.Epoch(-1));
    }
}
