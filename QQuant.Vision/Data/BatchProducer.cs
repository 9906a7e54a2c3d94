using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace QQuant.Vision;

/// <summary>
/// Produces one epoch's collated batches in order, on the calling thread (no workers) or on background threads.
/// </summary>
/// <remarks>
/// With workers, batch <c>k</c> belongs to worker <c>k mod W</c>; each worker collates its batches whole, in order,
/// into its own bounded queue, and the consumer reads the queues in turn. Delivery is therefore in order without a
/// reordering buffer, at most <c>W·(prefetch + 1)</c> batches are in memory, and workers never wait on each other.
/// Whole batches per worker scale better than splitting a batch's samples across workers: no synchronisation per
/// batch, no straggler sample holding every worker, and the consumer always has the next batch ready once the
/// pipeline is full.
/// </remarks>
internal sealed class BatchProducer : IDisposable
{
    private readonly ImageDataset _dataset;
    private readonly int[] _order;
    private readonly int _batchSize;
    private readonly int _batches;
    private readonly long _seed;
    private readonly int _epoch;
    private readonly CancellationTokenSource _stop = new();
    private readonly BlockingCollection<Produced>[] _queues;
    private readonly Thread[] _threads;

    public BatchProducer(ImageDataset dataset, int[] order, int batchSize, int batches, long seed, int epoch, int workers, int prefetch)
    {
        _dataset = dataset;
        _order = order;
        _batchSize = batchSize;
        _batches = batches;
        _seed = seed;
        _epoch = epoch;
        int threads = Math.Min(workers, batches);
        _queues = new BlockingCollection<Produced>[threads];
        _threads = new Thread[threads];
        for (int w = 0; w < threads; w++)
        {
            _queues[w] = new BlockingCollection<Produced>(prefetch);
            int worker = w;
            _threads[w] = new Thread(() => Work(worker)) { IsBackground = true, Name = $"QQuant data loader worker {w}" };
        }

        foreach (Thread thread in _threads)
        {
            thread.Start();
        }
    }

    /// <summary>Batch <paramref name="number"/>; batches must be taken in order 0, 1, 2, ...</summary>
    public CollatedBatch Take(int number)
    {
        if (_threads.Length == 0)
        {
            return Collate(number);
        }

        Produced produced = _queues[number % _threads.Length].Take(_stop.Token);
        if (produced.Error is not null)
        {
            // Keeps the worker's stack trace.
            ExceptionDispatchInfo.Throw(produced.Error);
        }

        return produced.Batch!;
    }

    /// <summary>Stops the workers, waits for them, and returns every queued buffer to the pool.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        foreach (Thread thread in _threads)
        {
            thread.Join();
        }

        foreach (BlockingCollection<Produced> queue in _queues)
        {
            while (queue.TryTake(out Produced produced))
            {
                produced.Batch?.Release();
            }

            queue.Dispose();
        }

        _stop.Dispose();
    }

    private void Work(int worker)
    {
        CancellationToken token = _stop.Token;
        BlockingCollection<Produced> queue = _queues[worker];
        for (int number = worker; number < _batches && !token.IsCancellationRequested; number += _threads.Length)
        {
            Produced produced;
            try
            {
                produced = new Produced(Collate(number), null);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                produced = new Produced(null, error);
            }

            try
            {
                queue.Add(produced, token);
            }
            catch (OperationCanceledException)
            {
                produced.Batch?.Release();
                return;
            }

            if (produced.Error is not null)
            {
                return;
            }
        }
    }

    private CollatedBatch Collate(int number)
    {
        int start = number * _batchSize;
        int count = Math.Min(_batchSize, _order.Length - start);
        return BatchCollator.Collate(_dataset, _order.AsSpan(start, count), _seed, _epoch, _stop.Token);
    }

    private readonly record struct Produced(CollatedBatch? Batch, Exception? Error);
}
