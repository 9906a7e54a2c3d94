namespace QQuant;

/// <summary>
/// The base of every error QQuant reports. Messages name the offending file, key, module path or value and,
/// where there are some, the nearest valid choices.
/// </summary>
public class QQuantException : Exception
{
    /// <summary>Creates the exception with a message that says what is wrong and how to fix it.</summary>
    public QQuantException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public QQuantException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
