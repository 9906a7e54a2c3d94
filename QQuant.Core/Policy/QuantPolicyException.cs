namespace QQuant;

/// <summary>
/// A policy that cannot be built: bits outside 1..8 and 32, a layer paired with a module type it cannot convert,
/// a malformed name pattern. The message lists every problem, each naming its rule.
/// </summary>
public sealed class QuantPolicyException : QQuantException
{
    /// <summary>Creates the exception from the problems found.</summary>
    public QuantPolicyException(IReadOnlyList<string> problems)
        : base(ProblemList.Format("The quantization policy is invalid", problems)) => Problems = problems;

    /// <summary>Each problem on its own, in the order found.</summary>
    public IReadOnlyList<string> Problems { get; }
}
