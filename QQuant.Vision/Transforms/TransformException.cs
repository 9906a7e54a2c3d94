namespace QQuant.Vision;

/// <summary>
/// A transform met a sample it cannot work on: no image yet, float pixels where a decoded image is needed, a label
/// missing for <c>Collect</c>, per-channel values that do not match the image's channels.
/// </summary>
public sealed class TransformException : QQuantException
{
    /// <summary>Creates the exception with a message naming the transform, the sample and the fix.</summary>
    public TransformException(string message) : base(message)
    {
    }
}
