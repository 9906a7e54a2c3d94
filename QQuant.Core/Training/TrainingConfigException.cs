namespace QQuant.Training;

/// <summary>
/// A training setting that cannot work: an unknown optimizer, a non-positive interval, a schedule that does not fit.
/// The message names the configuration key (<c>optimizer:type</c>), the value and the valid choices.
/// </summary>
public sealed class TrainingConfigException : QQuantException
{
    /// <summary>Creates the exception for <paramref name="key"/>.</summary>
    public TrainingConfigException(string key, string message) : base($"{key}: {message}") => Key = key;

    /// <summary>The configuration key at fault.</summary>
    public string Key { get; }
}
