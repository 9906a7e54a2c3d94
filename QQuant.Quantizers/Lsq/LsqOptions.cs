using QQuant;

namespace QQuant.Quantizers;

/// <summary>Options of the <see cref="Lsq"/> scheme.</summary>
public record LsqOptions : QuantLayerOptions
{
    /// <summary>Multiply the step's gradient by <c>1/√(N·Qp)</c>, as the paper does. Default true.</summary>
    [ReferenceKey("scale_grad")]
    public bool ScaleGradient { get; set; } = true;
}
