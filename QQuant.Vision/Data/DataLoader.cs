using System.Collections;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// Batches an <see cref="ImageDataset"/> for training or evaluation, the counterpart of the reference's mmcv data
/// loader (<c>samples_per_gpu</c>, <c>workers_per_gpu</c>): each epoch visits the samples in order or in a shuffled
/// order, loads them on background workers and hands out <see cref="Batch"/>es in order.
/// </summary>
/// <remarks>
/// <para>
/// Everything random is a pure function of <see cref="DataLoaderOptions.Seed"/>: the shuffle order of an epoch comes
/// from (seed, epoch), and sample <c>i</c> is <c>dataset.Get(i, SampleRandom.For(seed, epoch, i))</c>. The batches
/// are therefore identical whatever the number of workers.
/// </para>
/// <para>
/// Usage: <c>foreach (Batch batch in loader.Epoch(epoch)) { using (batch) { ... } }</c>. Each batch owns its tensors
/// (see <see cref="Batch"/> for how they relate to dispose scopes). Leaving the loop early stops the workers and
/// frees the batches they had prepared. With workers, <see cref="ImageDataset.Get"/> runs on several threads at
/// once, so the dataset and its transforms must be thread-safe (they only read shared state).
/// </para>
/// </remarks>
public sealed class DataLoader : IEnumerable<Batch>
{
    private readonly int[] _positions;

    /// <summary>Creates the loader; nothing is loaded until an epoch is enumerated.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public DataLoader(ImageDataset dataset, DataLoaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(options);
        Require(options.BatchSize >= 1, $"BatchSize (samples_per_gpu) must be at least 1, got {options.BatchSize}.");
        Require(options.Workers >= 0, $"Workers (workers_per_gpu) must be 0 (load on the calling thread) or more, got {options.Workers}.");
        Require(options.Prefetch >= 1, $"Prefetch must be at least 1 batch per worker, got {options.Prefetch}.");
        Dataset = dataset;
        BatchSize = options.BatchSize;
        Shuffle = options.Shuffle;
        Seed = options.Seed;
        DropLast = options.DropLast;
        Shard = options.Shard ?? DataShard.Whole;
        _positions = Shard.Positions(dataset.Count);
        Workers = options.Workers;
        Prefetch = options.Prefetch;
        Device = options.Device ?? CPU;
    }

    /// <summary>The dataset batched.</summary>
    public ImageDataset Dataset { get; }

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch has its own order.</summary>
    public bool Shuffle { get; }

    /// <summary>The seed of the orders and of the samples' random transforms.</summary>
    public long Seed { get; }

    /// <summary>Whether a last, smaller batch is left out.</summary>
    public bool DropLast { get; }

    /// <summary>The part of each epoch this loader reads.</summary>
    public DataShard Shard { get; }

    /// <summary>The samples one epoch visits: the dataset's, or its shard's.</summary>
    public int Samples => _positions.Length;

    /// <summary>Background loading threads (0: the consumer's thread loads).</summary>
    public int Workers { get; }

    /// <summary>Batches each worker may prepare ahead.</summary>
    public int Prefetch { get; }

    /// <summary>The device of the batch tensors.</summary>
    public Device Device { get; }

    /// <summary>Batches in one epoch: ⌈samples / batch⌉, or ⌊samples / batch⌋ with <see cref="DropLast"/>.</summary>
    public int BatchesPerEpoch => DropLast ? Samples / BatchSize : (int)(((long)Samples + BatchSize - 1) / BatchSize);

    /// <summary>
    /// The dataset indices epoch <paramref name="epoch"/> visits: 0, 1, 2, ... or, with <see cref="Shuffle"/>, a
    /// permutation drawn from (<see cref="Seed"/>, <paramref name="epoch"/>), then this loader's
    /// <see cref="Shard"/> of it. With <see cref="DropLast"/> the last <c>samples mod batch</c> of them are not loaded.
    /// </summary>
    public int[] Order(int epoch)
    {
        int[] order = FullOrder(epoch);
        return Shard.Count == 1 ? order : [.. _positions.Select(p => order[p])];
    }

    private int[] FullOrder(int epoch)
    {
        int[] order = Enumerable.Range(0, Dataset.Count).ToArray();
        if (Shuffle)
        {
            var random = new Random(ShuffleSeed(Seed, epoch));
            for (int i = order.Length - 1; i > 0; i--)
            {
                int j = random.Next(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }

        return order;
    }

    /// <summary>
    /// The batches of epoch <paramref name="epoch"/>, in order. Workers start when enumeration starts and stop when
    /// the enumerator is disposed (the end of a <c>foreach</c>, a <c>break</c>, or an exception).
    /// </summary>
    /// <exception cref="DataLoadException">(while enumerating) a sample failed to load or collate; the message names
    /// its index and the error of the dataset or transform is the inner exception.</exception>
    public IEnumerable<Batch> Epoch(int epoch)
    {
        Require(epoch >= 0, $"The epoch must be 0 or more, got {epoch}.");
        return Batches(epoch);
    }

    /// <summary>
    /// The batches of epoch 0. Evaluation and inference (no shuffle) can enumerate the loader directly; training
    /// calls <see cref="Epoch"/> so that each epoch gets its own shuffle order and random transforms.
    /// </summary>
    public IEnumerator<Batch> GetEnumerator() => Batches(0).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private IEnumerable<Batch> Batches(int epoch)
    {
        int batches = BatchesPerEpoch;
        using var producer = new BatchProducer(Dataset, Order(epoch), BatchSize, batches, Seed, epoch, Workers, Prefetch);
        for (int number = 0; number < batches; number++)
        {
            yield return producer.Take(number).ToBatch(Device);
        }
    }

    private static int ShuffleSeed(long seed, int epoch)
    {
        // A different stream from SampleRandom's: the salt keeps the order unrelated to any sample's transforms.
        ulong state = Mix((ulong)seed ^ 0x5EED0F5AUL);
        state = Mix(state ^ (uint)epoch);
        return (int)(state ^ (state >> 32));
    }

    // SplitMix64's output function.
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
