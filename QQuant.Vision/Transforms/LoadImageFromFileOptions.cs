using Microsoft.Extensions.Configuration;

namespace QQuant.Vision;

/// <summary>Options of <see cref="LoadImageFromFile"/> (<c>type: LoadImageFromFile</c>).</summary>
public sealed class LoadImageFromFileOptions
{
    /// <summary>True: the sample gets float HWC <see cref="Sample.Pixels"/> (0..255) instead of an image (<c>to_float32</c>).</summary>
    public bool ToFloat32 { get; set; }

    /// <summary>Colour, grey or as stored (<c>color_type</c>, default colour).</summary>
    public ColorType ColorType { get; set; } = ColorType.Color;

    /// <summary>
    /// The most pixels (width x height, from the file's header, checked before decoding) an image may have
    /// (<c>max_pixels</c>); a larger one is refused with an <see cref="ImageLoadException"/>. The default,
    /// <see cref="DefaultMaxPixels"/>, is Pillow's decompression-bomb limit: a header claiming more is more likely an
    /// attack or damage than a photo, and decoding it would take gigabytes.
    /// </summary>
    public long MaxPixels { get; set; } = DefaultMaxPixels;

    /// <summary>The default of <see cref="MaxPixels"/>: 178 956 970 pixels (about 13 400 x 13 400), Pillow's limit.</summary>
    public const long DefaultMaxPixels = 178_956_970;

    /// <summary>
    /// mmcv's storage settings (<c>file_client_args</c>); accepted so reference configs bind, but only
    /// <c>backend: disk</c> exists here.
    /// </summary>
    public IConfiguration? FileClientArgs { get; set; }
}
