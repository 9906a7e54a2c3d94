namespace QQuant;

/// <summary>
/// Calibration could not initialise a model's quantizers: the model has none, no batch came, or a quantizer saw no
/// data or NaN. It is thrown before any quantizer changes; the message lists every problem found.
/// </summary>
public sealed class QuantCalibrationException : QQuantException
{
    /// <summary>Creates the exception for the model type named <paramref name="model"/>.</summary>
    public QuantCalibrationException(string model, IReadOnlyList<string> problems)
        : base(ProblemList.Format($"Cannot calibrate {model}; no quantizer was changed", problems)) => Problems = problems;

    /// <summary>Each problem on its own.</summary>
    public IReadOnlyList<string> Problems { get; }
}
