using TorchSharp;

namespace QQuant.Vision;

/// <summary>
/// How a <see cref="DataLoader"/> batches a dataset: the reference's <c>samples_per_gpu</c> and
/// <c>workers_per_gpu</c>, plus shuffling, the seed of the random transforms and the device the batches go to.
/// </summary>
public sealed class DataLoaderOptions
{
    /// <summary>Samples per batch (<c>samples_per_gpu</c>). Default 32.</summary>
    [ReferenceKey("samples_per_gpu")]
    public int BatchSize { get; set; } = 32;

    /// <summary>Whether each epoch visits the samples in a new order drawn from (<see cref="Seed"/>, epoch). Default false.</summary>
    public bool Shuffle { get; set; }

    /// <summary>The seed of the shuffle order and of every sample's random transforms (see <see cref="SampleRandom"/>). Default 0.</summary>
    public long Seed { get; set; }

    /// <summary>Whether the last batch is left out when it has fewer than <see cref="BatchSize"/> samples. Default false.</summary>
    public bool DropLast { get; set; }

    /// <summary>
    /// Background threads that load and collate batches (<c>workers_per_gpu</c>); 0 loads each batch on the thread
    /// that enumerates the loader. The batches are the same for every value. Default 0.
    /// </summary>
    [ReferenceKey("workers_per_gpu")]
    public int Workers { get; set; }

    /// <summary>Batches each worker may have ready ahead of the consumer (PyTorch's <c>prefetch_factor</c>). Default 2.</summary>
    public int Prefetch { get; set; } = 2;

    /// <summary>The part of each epoch this process reads when several train together; <see cref="DataShard.Whole"/> by default.</summary>
    public DataShard Shard { get; set; } = DataShard.Whole;

    /// <summary>The device the batch tensors are put on; null means the CPU.</summary>
    public torch.Device? Device { get; set; }
}
