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
}
