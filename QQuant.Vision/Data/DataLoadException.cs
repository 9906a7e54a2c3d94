namespace QQuant.Vision;

/// <summary>
/// A sample could not be loaded or collated into a batch: the message names the sample's index (and its file when
/// known); the error the dataset or a transform threw is the inner exception.
/// </summary>
public sealed class DataLoadException : QQuantException
{
    /// <summary>Creates the exception for sample <paramref name="sampleIndex"/>.</summary>
    public DataLoadException(string message, int sampleIndex) : base(message) => SampleIndex = sampleIndex;

    /// <summary>Creates the exception for sample <paramref name="sampleIndex"/> with the error that caused it.</summary>
    public DataLoadException(string message, int sampleIndex, Exception innerException)
        : base(message, innerException) => SampleIndex = sampleIndex;

    /// <summary>The dataset index of the sample that failed.</summary>
    public int SampleIndex { get; }
}
