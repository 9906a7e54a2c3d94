namespace QQuant.Distributed;

/// <summary>Distributed training cannot start or go on: no MPI library, an MPI call failed, or another process failed.</summary>
public sealed class DistributedException : QQuantException
{
    /// <summary>Creates the exception.</summary>
    public DistributedException(string message, Exception? inner = null)
        : base(message, inner!)
    {
    }

    /// <summary>True when every process of the group throws it at the same point (after a collective that agreed on the failure).</summary>
    public bool OnEveryProcess { get; init; }
}
