namespace QQuant.Vision;

/// <summary>
/// The part of every epoch one of <see cref="Count"/> processes reads (data parallelism), PyTorch's
/// DistributedSampler rule: the epoch's order, the same on every process, is cut into every <see cref="Count"/>-th
/// position starting at <see cref="Index"/>, so the processes read disjoint samples and together one pass.
/// </summary>
/// <param name="Index">This process's shard (its rank).</param>
/// <param name="Count">The number of processes.</param>
/// <param name="Pad">
/// True (training): the order is first padded with its own beginning to a multiple of <see cref="Count"/>, so every
/// process has as many batches as the others. False (evaluation): no padding, so every sample is counted exactly once
/// over all shards.
/// </param>
public sealed record DataShard(int Index, int Count, bool Pad)
{
    /// <summary>All of the data, for one process.</summary>
    public static DataShard Whole { get; } = new(0, 1, Pad: false);

    /// <summary>The positions of an order of <paramref name="samples"/> this shard reads, in order.</summary>
    public int[] Positions(int samples)
    {
        if (Count < 1 || Index < 0 || Index >= Count)
        {
            throw new ArgumentOutOfRangeException(nameof(Index), $"A data shard is an index in [0, count) with count >= 1, got {Index} of {Count}.");
        }

        int total = Pad ? (samples + Count - 1) / Count * Count : samples;
        return samples == 0 ? [] : [.. Enumerable.Range(0, total).Where(p => p % Count == Index).Select(p => p % samples)];
    }
}
