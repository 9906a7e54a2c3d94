namespace QQuant.Vision;

/// <summary>The activation after a <see cref="ConvModule"/>'s convolution and norm.</summary>
internal enum ConvActivation
{
    /// <summary>No activation (the linear projection of an inverted residual).</summary>
    None,

    /// <summary><c>max(0, x)</c>.</summary>
    ReLU,

    /// <summary><c>min(max(0, x), 6)</c>, MobileNetV2's activation.</summary>
    ReLU6,
}
