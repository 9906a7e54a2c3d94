using SixLabors.ImageSharp;

namespace QQuant.Vision;

/// <summary>
/// One image on its way through a pipeline, the counterpart of the reference's <c>results</c> dict: a file name to
/// load, then a decoded <see cref="Image"/> (RGB or grey, always RGB channel order), then float
/// <see cref="Pixels"/>, plus the label and the meta entries transforms record (<c>ori_shape</c>, <c>img_shape</c>,
/// <c>flip</c>, <c>img_norm_cfg</c>, ...).
/// </summary>
public sealed class Sample : IDisposable
{
    /// <summary>The image file, absolute or relative to <see cref="Prefix"/> (<c>img_info.filename</c>).</summary>
    public string? FileName { get; set; }

    /// <summary>The folder <see cref="FileName"/> is relative to (<c>img_prefix</c>), or null.</summary>
    public string? Prefix { get; set; }

    /// <summary>The decoded image (<c>Image&lt;Rgb24&gt;</c> or <c>Image&lt;L8&gt;</c>); the sample owns and disposes it.</summary>
    public Image? Image { get; set; }

    /// <summary>Float pixels, once a transform has converted the image (<c>Normalize</c>, <c>ImageToTensor</c>, ...).</summary>
    public PixelBuffer? Pixels { get; set; }

    /// <summary>The class index (<c>gt_label</c>), or -1 when the sample has none (inference).</summary>
    public int Label { get; set; } = -1;

    /// <summary>Entries transforms record, under the reference's keys.</summary>
    public Dictionary<string, object> Meta { get; } = new(StringComparer.Ordinal);

    /// <summary>The path to read: <see cref="FileName"/> joined to <see cref="Prefix"/> when it is relative.</summary>
    public string? FilePath => FileName is null ? null : Prefix is null ? FileName : Path.Combine(Prefix, FileName);

    /// <summary>Replaces <see cref="Image"/>, disposing the previous one when it is a different object.</summary>
    public void ReplaceImage(Image? image)
    {
        if (!ReferenceEquals(Image, image))
        {
            Image?.Dispose();
        }

        Image = image;
    }

    /// <summary>Disposes the image.</summary>
    public void Dispose()
    {
        Image?.Dispose();
        Image = null;
    }
}
