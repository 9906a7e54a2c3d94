namespace QQuant;

/// <summary>
/// A quantizer cannot run with its current state: it was evaluated before it was initialised, or the data it was to
/// be initialised from holds NaN or infinite values. The message names the quantizer by its path in the model.
/// </summary>
public sealed class QuantizerStateException : QQuantException
{
    /// <summary>Creates the exception for the quantizer at <paramref name="location"/>.</summary>
    public QuantizerStateException(string location, string message) : base(message) => Location = location;

    /// <summary>The quantizer's path in the model (for example <c>layer1.0.conv1.input_quantizer</c>).</summary>
    public string Location { get; }
}
