namespace QQuant.Analysis;

/// <summary>
/// One tensor of a quantized layer (its weight or its input) seen three ways: in the float model, in the QAT model
/// before quantization (the latent tensor) and after fake quantization.
/// </summary>
/// <param name="Float">The float model's tensor.</param>
/// <param name="Latent">The quantized model's tensor before its quantizer.</param>
/// <param name="Quantized">The quantizer's output.</param>
/// <param name="FloatVsLatent">How far QAT moved the tensor from the float model's (reference: float).</param>
/// <param name="LatentVsQuantized">How much quantization changes it (reference: latent).</param>
/// <param name="ClippedShare">The share of latent elements the quantizer clipped (0..1).</param>
public sealed record TensorAnalysis(
    ValueDistribution Float,
    ValueDistribution Latent,
    ValueDistribution Quantized,
    TensorComparison FloatVsLatent,
    TensorComparison LatentVsQuantized,
    double ClippedShare);
