namespace QQuant.Quantizers;

/// <summary>
/// What N counts in the step-gradient scale <c>g = 1/√(N·Qp)</c> of LSQ and LSQ+ for an input. Weights count the
/// weight's elements (per channel with per-channel steps) either way.
/// </summary>
public enum GradientScaleCount
{
    /// <summary>
    /// One sample's features: the input's elements divided by its batch size, as the LSQ paper defines N (the default).
    /// </summary>
    Sample,

    /// <summary>
    /// Every element of the batch tensor, as lsq-net and MQBench compute it: g is smaller by √(batch size), for example
    /// 1/11.3 of the paper's at a batch of 128.
    /// </summary>
    Tensor,
}
