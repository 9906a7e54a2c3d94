namespace QQuant.Vision;

/// <summary>How <see cref="LoadImageFromFile"/> decodes a file (<c>color_type</c>).</summary>
public enum ColorType
{
    /// <summary>Always three channels, RGB order (grey files are repeated into R, G and B).</summary>
    Color,

    /// <summary>Always one channel; colour files are converted with the BT.601 weights OpenCV uses.</summary>
    Grayscale,

    /// <summary>As stored: grey PNG and JPEG files stay one channel, everything else becomes RGB (alpha is dropped).</summary>
    Unchanged,
}
