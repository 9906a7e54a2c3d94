namespace QQuant.Distributed;

/// <summary>Distributed training cannot start or go on: no MPI library, an MPI call failed, or another process failed.</summary>
public sealed class DistributedException : QQuantException
{
    /// <summary>Creates the exception.</summary>
    public DistributedException(string message, Exception? inner = null)
        : base(message, inner!)
    {
    }
}
