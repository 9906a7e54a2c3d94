namespace QQuant;

/// <summary>
/// A policy that cannot be applied to a particular model: a name that matches no module, a pattern that matches
/// nothing, an override naming a container, a layer that cannot convert the module a rule gives it, a parent that
/// cannot hold a quantized layer, a shared module decided two ways. It is thrown before anything changes; the
/// message lists every problem found.
/// </summary>
public sealed class QuantizationException : QQuantException
{
    /// <summary>Creates the exception for the model type named <paramref name="model"/> from the problems found.</summary>
    public QuantizationException(string model, IReadOnlyList<string> problems)
        : base(ProblemList.Format($"Cannot quantize {model}; nothing was changed", problems)) => Problems = problems;

    /// <summary>Each problem on its own, in the order found.</summary>
    public IReadOnlyList<string> Problems { get; }
}
