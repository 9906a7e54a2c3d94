using TorchSharp;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>Turns a device name from a config or an option into a device this process can use, before any work starts.</summary>
public static class Devices
{
    /// <summary>
    /// Parses <paramref name="name"/> (<c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>) and checks that the device exists here;
    /// <paramref name="key"/> (a config key or an option, e.g. <c>device</c> or <c>--device</c>) is named in the error.
    /// </summary>
    /// <exception cref="DeviceNotAvailableException">Not a device name, CUDA is not available, or no GPU N.</exception>
    public static Device Parse(string name, string key)
    {
        ArgumentNullException.ThrowIfNull(name);
        Device device;
        try
        {
            device = new Device(name);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            throw new DeviceNotAvailableException(name, $"{key}: '{name}' is not a device; use cpu, cuda or cuda:N.", e);
        }

        if (device.index < -1)
        {
            throw new DeviceNotAvailableException(name, $"{key}: '{name}' is not a device; use cpu, cuda or cuda:N.");
        }

        if (device.type == DeviceType.CUDA)
        {
            if (!cuda.is_available())
            {
                throw new DeviceNotAvailableException(name,
                    $"{key}: '{name}' needs CUDA, which this process does not have (no GPU here, or a CPU-only TorchSharp backend: the default build uses TorchSharp-cpu); use cpu.");
            }

            int count = cuda.device_count();
            if (device.index >= count)
            {
                throw new DeviceNotAvailableException(name, $"{key}: '{name}' names GPU {device.index}, but this machine has {count} (cuda:0 to cuda:{count - 1}).");
            }
        }
        else if (device.type != DeviceType.CPU)
        {
            // TorchSharp reads "2147483647" as a device of an unknown type that fails only when a model is moved to it.
            throw new DeviceNotAvailableException(name, $"{key}: '{name}' is not a device QQuant runs on; use cpu, cuda or cuda:N.");
        }

        return device;
    }
}
