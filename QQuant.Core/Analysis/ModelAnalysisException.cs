namespace QQuant.Analysis;

/// <summary>
/// A model pair that cannot be analysed: no quantized layer in common, a layer whose float twin has another weight
/// shape, or inputs that do not run through both models. The message names the layers.
/// </summary>
public sealed class ModelAnalysisException : QQuantException
{
    /// <summary>Creates the exception.</summary>
    public ModelAnalysisException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with the error that caused it.</summary>
    public ModelAnalysisException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
