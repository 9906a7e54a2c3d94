namespace QQuant;

/// <summary>What <see cref="QuantCalibration"/> did.</summary>
/// <param name="Quantizers">Quantizers initialised (weight and input quantizers counted separately).</param>
/// <param name="Batches">Batches run through the model.</param>
public sealed record CalibrationSummary(int Quantizers, int Batches);
