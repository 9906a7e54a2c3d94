using static TorchSharp.torch;

namespace QQuant.Distributed;

/// <summary>
/// The processes that train one model together (data parallelism): each has a rank in <c>[0, Size)</c>, and
/// collective operations that every process calls in the same order. <see cref="SingleProcessGroup"/> is one process;
/// <see cref="MpiProcessGroup"/> runs over MPI (Open MPI or MPICH, found at run time).
/// </summary>
public interface IProcessGroup : IDisposable
{
    /// <summary>This process's rank; rank 0 logs and writes checkpoints.</summary>
    int Rank { get; }

    /// <summary>The number of processes.</summary>
    int Size { get; }

    /// <summary>What carries the collectives, for logs (for example <c>mpi (Open MPI)</c>).</summary>
    string Backend { get; }

    /// <summary>Replaces <paramref name="tensor"/> (float32 or float64, contiguous, any device) by its sum over all processes.</summary>
    void AllReduceSum(Tensor tensor);

    /// <summary>Replaces each value by its sum over all processes (counts, flags, losses).</summary>
    void AllReduceSum(Span<double> values);

    /// <summary>Replaces <paramref name="tensor"/> (float32 or float64, contiguous, any device) by process <paramref name="root"/>'s.</summary>
    void Broadcast(Tensor tensor, int root = 0);

    /// <summary>Waits until every process has called it.</summary>
    void Barrier();

    /// <summary>Stops every process of the group with exit code <paramref name="code"/> (after an error on this one).</summary>
    void Abort(int code);
}
