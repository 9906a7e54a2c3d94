namespace QQuant.Training;

/// <summary>
/// Training produced a non-finite loss, or non-finite parameters (a quantizer parameter after a step, any parameter at
/// the end of an epoch). The message names the epoch and iteration, the quantizer parameters (and how many other
/// parameters) that are no longer finite, and the last checkpoint written, which stays intact.
/// </summary>
public sealed class TrainingDivergedException : QQuantException
{
    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(string message, int epoch, int iteration, IReadOnlyList<string> nonFiniteQuantizerParameters)
        : base(message)
    {
        Epoch = epoch;
        Iteration = iteration;
        NonFiniteQuantizerParameters = nonFiniteQuantizerParameters;
    }

    /// <summary>The 1-based epoch in which the loss or the parameters stopped being finite.</summary>
    public int Epoch { get; }

    /// <summary>The 1-based iteration within that epoch.</summary>
    public int Iteration { get; }

    /// <summary>The dotted names of the quantizer parameters that held NaN or infinity.</summary>
    public IReadOnlyList<string> NonFiniteQuantizerParameters { get; }
}
