namespace QQuant;

/// <summary>
/// Options of a quantized layer beyond its bit widths. Algorithms with options of their own derive a record from
/// this one; options bind from configuration by property name (camelCase) or by their <see cref="ReferenceKeyAttribute"/>.
/// </summary>
public record QuantLayerOptions
{
    /// <summary>
    /// False leaves the layer's input float (as for the first convolution, which sees the image); the weight is
    /// still quantized. Default true.
    /// </summary>
    [ReferenceKey("quant_activation", "QInput")]
    public bool QuantizeInput { get; set; } = true;

    /// <summary>One weight scale per output channel instead of one per tensor. Default false.</summary>
    [ReferenceKey("kernel_wise")]
    public bool PerChannelWeights { get; set; }

    /// <summary>Whether the input grid is signed, unsigned, or decided from data. Default <see cref="ActivationSign.Auto"/>.</summary>
    public ActivationSign ActivationSign { get; set; } = ActivationSign.Auto;

    /// <summary>
    /// Whether a training step recomputes the quantized input and weight in its backward instead of keeping them
    /// from the forward: less memory (one input-sized and one weight-sized tensor per layer) for one more
    /// element-wise pass over each. Applies to quantized convolutions whose quantizers have fused kernels (see
    /// <see cref="QuantizedConv2d.RecomputeQuantizedInput"/>). Default true.
    /// </summary>
    public bool RecomputeQuantized { get; set; } = true;
}
