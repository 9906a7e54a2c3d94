namespace QQuant.Vision;

/// <summary>
/// The resampling of <see cref="Resize"/>, <see cref="RandomResizedCrop"/> and <see cref="CenterCrop"/>
/// (<c>interpolation</c>, mmcv's names). ImageSharp does the work, so values differ slightly from OpenCV's: its
/// resamplers widen their kernel when shrinking (no aliasing), where OpenCV's bilinear samples only 2x2 pixels.
/// </summary>
public enum Interpolation
{
    /// <summary>The nearest pixel.</summary>
    Nearest,

    /// <summary>Linear in both directions (ImageSharp's triangle resampler).</summary>
    Bilinear,

    /// <summary>Cubic in both directions.</summary>
    Bicubic,

    /// <summary>The average of the covered pixels (box resampler).</summary>
    Area,

    /// <summary>Windowed sinc (ImageSharp's Lanczos3).</summary>
    Lanczos,
}
