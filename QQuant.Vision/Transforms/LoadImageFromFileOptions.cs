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
    /// mmcv's storage settings (<c>file_client_args</c>); accepted so reference configs bind, but only
    /// <c>backend: disk</c> exists here.
    /// </summary>
    public IConfiguration? FileClientArgs { get; set; }
}
