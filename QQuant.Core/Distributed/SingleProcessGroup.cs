using static TorchSharp.torch;

namespace QQuant.Distributed;

/// <summary>One process: rank 0 of 1, whose collectives leave every value as it is.</summary>
public sealed class SingleProcessGroup : IProcessGroup
{
    /// <summary>The group of this process alone.</summary>
    public static SingleProcessGroup Instance { get; } = new();

    private SingleProcessGroup()
    {
    }

    /// <inheritdoc />
    public int Rank => 0;

    /// <inheritdoc />
    public int Size => 1;

    /// <inheritdoc />
    public string Backend => "none";

    /// <inheritdoc />
    public void AllReduceSum(Tensor tensor) => ProcessGroupChecks.Floating(tensor);

    /// <inheritdoc />
    public void AllReduceSum(Span<double> values)
    {
    }

    /// <inheritdoc />
    public void Broadcast(Tensor tensor, int root = 0)
    {
        ProcessGroupChecks.Floating(tensor);
        ProcessGroupChecks.Root(root, Size);
    }

    /// <inheritdoc />
    public void Barrier()
    {
    }

    /// <inheritdoc />
    public void Abort(int code) => Environment.Exit(code);

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
