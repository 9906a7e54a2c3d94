namespace QQuant.Training;

/// <summary>
/// A learning-rate schedule that cannot be built: an unknown policy or warmup, a step policy without steps, steps out
/// of order, a warmup without iterations, a ratio or factor out of range. The message lists every problem, each
/// naming its key (<c>lrConfig:policy</c>, <c>lrConfig:warmupIters</c>, ...), the value and, for names, the nearest
/// valid ones.
/// </summary>
public sealed class LrConfigException : QQuantException
{
    /// <summary>Creates the exception from the problems found.</summary>
    public LrConfigException(IReadOnlyList<string> problems)
        : base(ProblemList.Format("The learning-rate schedule is invalid", problems)) => Problems = problems;

    /// <summary>Each problem on its own, in the order found.</summary>
    public IReadOnlyList<string> Problems { get; }
}
