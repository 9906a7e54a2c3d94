namespace QQuant.Quantizers;

/// <summary>How APoT's and uniform's weight clip α starts (on the standardised weight, per channel where the clips are).</summary>
public enum WeightClipInitialization
{
    /// <summary>α = 3: three standard deviations of the standardised weight, whatever the bit width (the paper's start).</summary>
    ThreeSigma,

    /// <summary>
    /// The α that minimises the squared error between the standardised weight and its fake-quantized values on the
    /// quantizer's own grid, searched over <c>(0, max|ŵ|]</c> on the weight itself (up to 65 536 values per clip):
    /// near the largest weight at 8 bits, where rounding costs little and clipping much; lower at 2 to 4 bits.
    /// Never worse than <c>max|ŵ|</c>.
    /// </summary>
    Mse,
}
