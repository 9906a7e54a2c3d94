namespace QQuant.Quantizers;

/// <summary>How a learned clipping level (PACT, APoT and uniform inputs) starts from the calibration data.</summary>
public enum ClipInitialization
{
    /// <summary>
    /// <c>min(max|x|, mean|x| + 3·std|x|)</c>: the bulk of the distribution, whatever the bit width.
    /// </summary>
    MeanStd,

    /// <summary>
    /// The clip that minimises the squared error between the data and its fake-quantized values on the quantizer's own
    /// grid, searched over <c>(0, max|x|]</c> on a sample of the data (65 536 values): near the maximum at 8 bits,
    /// where rounding costs little and clipping much; lower at 2 to 4 bits. Never worse than <c>max|x|</c> on the sample.
    /// </summary>
    Mse,
}
