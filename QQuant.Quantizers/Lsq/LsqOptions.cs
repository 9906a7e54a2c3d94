using QQuant;

namespace QQuant.Quantizers;

/// <summary>Options of the <see cref="Lsq"/> scheme.</summary>
public record LsqOptions : QuantLayerOptions
{
    /// <summary>Multiply the step's gradient by <c>1/√(N·Qp)</c>, as the paper does. Default true.</summary>
    [ReferenceKey("scale_grad")]
    public bool ScaleGradient { get; set; } = true;

    /// <summary>
    /// What N counts in that scale for an input: one sample's features (<see cref="GradientScaleCount.Sample"/>, the
    /// paper, default) or the whole batch tensor (<see cref="GradientScaleCount.Tensor"/>, lsq-net and MQBench: √batch
    /// times smaller, 1/11.3 at a batch of 128).
    /// </summary>
    public GradientScaleCount GradientScaleCount { get; set; } = GradientScaleCount.Sample;
}
