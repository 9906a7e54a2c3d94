namespace QQuant;

/// <summary>
/// A quantization configuration that does not bind: an unknown key or type name, a value of the wrong kind, a
/// missing required key. The message names the key's path (<c>quantTransformer:policy:Conv2d:w</c>), the file when
/// known, and the nearest valid names.
/// </summary>
public sealed class QuantConfigurationException : QQuantException
{
    /// <summary>Creates the exception from the problems found.</summary>
    public QuantConfigurationException(string where, IReadOnlyList<string> problems)
        : base(ProblemList.Format($"Invalid quantization configuration in {where}", problems)) => Problems = problems;

    /// <summary>Each problem on its own, in the order found.</summary>
    public IReadOnlyList<string> Problems { get; }
}
