using QQuant;

namespace QQuant.Quantizers;

/// <summary>Options of the <see cref="Uniform"/> scheme (and, through <see cref="APoTOptions"/>, of <see cref="APoT"/>).</summary>
public record UniformOptions : ClipOptions
{
    /// <summary>The gradient of weights beyond the clip; default <see cref="ClippedWeightGradient.PassAtTwoBits"/>.</summary>
    public ClippedWeightGradient ClippedWeightGradient { get; set; } = ClippedWeightGradient.PassAtTwoBits;
}
