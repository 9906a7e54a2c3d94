using QQuant.Vision;
using TorchSharp;

namespace QQuant.Tests.Vision.Data;

public class DataLoaderMemoryTests
{
    // The loader makes every tensor on the consuming thread, so this thread's live count sees them all.
    private static long LiveTensors => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    [Fact]
    public void Three_thousand_disposed_batches_leave_no_tensor_alive()
    {
        var dataset = new SyntheticDataset(64, channels: 1, height: 2, width: 2);
        var loader = new DataLoader(dataset, new DataLoaderOptions { BatchSize = 2, Shuffle = true, Workers = 2 });
        long before = LiveTensors;
        int batches = 0;
        long peak = 0;
        double sum = 0;

        for (int epoch = 0; batches < 3000; epoch++)
        {
            foreach (Batch batch in loader.Epoch(epoch))
            {
                using (batch)
                using (torch.Tensor total = batch.Labels.sum())
                {
                    peak = Math.Max(peak, LiveTensors - before);
                    sum += total.ToInt64();
                }

                if (++batches == 3000)
                {
                    break;
                }
            }
        }

        Assert.Equal(before, LiveTensors);
        // Images, labels and the sum's result: nothing accumulates from batch to batch.
        Assert.Equal(3, peak);
        Assert.True(sum > 0);
    }

    [Fact]
    public void Batches_join_a_dispose_scope_open_around_the_loop()
    {
        var loader = new DataLoader(new SyntheticDataset(10), new DataLoaderOptions { BatchSize = 3, Workers = 1 });
        long before = LiveTensors;
        var kept = new List<Batch>();

        using (torch.NewDisposeScope())
        {
            kept.AddRange(loader.Epoch(0));
            kept[0].Dispose();
            Assert.Equal(before + 2 * 3, LiveTensors);
        }

        Assert.Equal(before, LiveTensors);
        Assert.All(kept, b => Assert.True(b.Images.IsInvalid));
        kept[1].Dispose();
    }

    [Fact]
    public void Cuda_batches_hold_the_same_values_as_cpu_batches()
    {
        if (!torch.cuda.is_available())
        {
            Assert.Skip("CUDA is not available on this machine.");
        }

        var dataset = new SyntheticDataset(9, pipeline: [new AddNoise()]);
        var options = new DataLoaderOptions { BatchSize = 4, Shuffle = true, Seed = 7, Workers = 2 };
        List<LoadedBatch> cpu = LoadedBatch.Epoch(new DataLoader(dataset, options), 0);
        options.Device = torch.CUDA;
        var loader = new DataLoader(dataset, options);

        using Batch first = loader.Epoch(0).First();
        Assert.Equal(DeviceType.CUDA, first.Images.device_type);
        Assert.Equal(DeviceType.CUDA, first.Labels.device_type);
        List<LoadedBatch> cuda = LoadedBatch.Epoch(loader, 0);
        Assert.Equal(cpu.Select(b => b.Images), cuda.Select(b => b.Images));
        Assert.Equal(cpu.Select(b => b.Labels), cuda.Select(b => b.Labels));
    }
}
