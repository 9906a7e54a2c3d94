using QQuant;

namespace QQuant.Quantizers;

/// <summary>Options of the <see cref="Uniform"/> scheme (and, through <see cref="APoTOptions"/>, of <see cref="APoT"/>).</summary>
public record UniformOptions : ClipOptions
{
    /// <summary>The gradient of weights beyond the clip; default <see cref="ClippedWeightGradient.PassAtTwoBits"/>.</summary>
    public ClippedWeightGradient ClippedWeightGradient { get; set; } = ClippedWeightGradient.PassAtTwoBits;

    /// <summary>
    /// How the weight's clip starts: the least squared quantization error on the layer's own grid
    /// (<see cref="WeightClipInitialization.Mse"/>, the default) or three standard deviations of the standardised
    /// weight (<see cref="WeightClipInitialization.ThreeSigma"/>, the paper).
    /// </summary>
    public WeightClipInitialization WeightInit { get; set; } = WeightClipInitialization.Mse;

    /// <summary>
    /// Subtract the weight's mean before dividing it by its deviation (true, the default, as the paper); false only
    /// divides, so the quantized layer computes the float layer's function up to a per-channel factor, which BatchNorm
    /// re-estimation absorbs: the start from a float checkpoint is closer (see docs/qat-start.md).
    /// </summary>
    public bool CenterWeights { get; set; } = true;
}
