namespace QQuant;

/// <summary>A device name that is not a device, or names one this machine (or this TorchSharp build) does not have.</summary>
public sealed class DeviceNotAvailableException : QQuantException
{
    /// <summary>Creates the exception for the device <paramref name="name"/>.</summary>
    public DeviceNotAvailableException(string name, string message) : base(message) => Name = name;

    /// <summary>Creates the exception for the device <paramref name="name"/> with the error that caused it.</summary>
    public DeviceNotAvailableException(string name, string message, Exception innerException) : base(message, innerException) => Name = name;

    /// <summary>The device name as given.</summary>
    public string Name { get; }
}
