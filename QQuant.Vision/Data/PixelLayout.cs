namespace QQuant.Vision;

/// <summary>How a <see cref="PixelBuffer"/> orders its values.</summary>
public enum PixelLayout
{
    /// <summary>Height, width, channels: the layout of a decoded image (the reference's numpy HWC).</summary>
    Hwc,

    /// <summary>Channels, height, width: the layout of a tensor (after <c>ImageToTensor</c>).</summary>
    Chw,
}
