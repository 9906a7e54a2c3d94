namespace QQuant.Vision;

/// <summary>
/// Float pixels of one image in managed memory: what transforms after decoding work on, and what the data loader
/// collates into one tensor per batch (so no native tensor is made per image).
/// </summary>
public sealed class PixelBuffer
{
    /// <summary>Wraps <paramref name="data"/>, which must hold <paramref name="channels"/>·<paramref name="height"/>·<paramref name="width"/> values.</summary>
    public PixelBuffer(float[] data, int channels, int height, int width, PixelLayout layout)
    {
        if (channels <= 0 || height <= 0 || width <= 0)
        {
            throw new ArgumentException($"A pixel buffer needs positive sizes, got {channels}x{height}x{width}.");
        }

        if (data.Length != channels * height * width)
        {
            throw new ArgumentException(
                $"A {channels}x{height}x{width} pixel buffer holds {channels * height * width} values, got {data.Length}.");
        }

        Data = data;
        Channels = channels;
        Height = height;
        Width = width;
        Layout = layout;
    }

    /// <summary>The values, in <see cref="Layout"/> order.</summary>
    public float[] Data { get; }

    /// <summary>Channels (1 grey, 3 RGB or BGR).</summary>
    public int Channels { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>The order of <see cref="Data"/>.</summary>
    public PixelLayout Layout { get; }
}
