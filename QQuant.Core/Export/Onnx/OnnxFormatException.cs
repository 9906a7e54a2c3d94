namespace QQuant.Export.Onnx;

/// <summary>
/// Bytes that are not an ONNX model this object model can read: truncated, malformed protobuf (a bad wire type, a
/// length past the end), no graph, or content it does not support (external data, string tensors, graph attributes).
/// The message names the file when the model was loaded from one.
/// </summary>
public sealed class OnnxFormatException : QQuantException
{
    /// <summary>Creates the exception for bytes that came from no file.</summary>
    public OnnxFormatException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception for <paramref name="filePath"/> with the error that caused it.</summary>
    public OnnxFormatException(string filePath, string message, Exception innerException)
        : base(message, innerException) => FilePath = filePath;

    /// <summary>The file that could not be read, or null when the bytes came from no file.</summary>
    public string? FilePath { get; }
}
