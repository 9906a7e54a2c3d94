namespace QQuant;

/// <summary>
/// A component configuration that does not bind: an unknown <c>type</c> or key, a value of the wrong kind, or options
/// that the component rejects. Each problem names its key path (<c>model:backbone:depth</c>) and, where there are
/// some, the nearest valid names.
/// </summary>
public sealed class ComponentConfigurationException : QQuantException
{
    /// <summary>Creates the exception from the problems found in <paramref name="where"/>.</summary>
    public ComponentConfigurationException(string where, IReadOnlyList<string> problems)
        : base(ProblemList.Format($"Invalid configuration in {where}", problems)) => Problems = problems;

    /// <summary>Each problem on its own, in the order found.</summary>
    public IReadOnlyList<string> Problems { get; }
}
