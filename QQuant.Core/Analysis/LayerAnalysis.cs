namespace QQuant.Analysis;

/// <summary>What quantization does to one layer: its weight and its input, and the quantizers' state.</summary>
/// <param name="Name">The dotted module path.</param>
/// <param name="FloatType">The float model's module type (for example <c>Conv2d</c>).</param>
/// <param name="QuantizedType">The quantized layer's type (for example <c>LSQConv</c>).</param>
/// <param name="WeightBits">The weight's bit width (32: left float).</param>
/// <param name="InputBits">The input's bit width (32: not quantized).</param>
/// <param name="Weight">The weight: float model's, latent and quantized.</param>
/// <param name="Input">The layer's input on the analysed batch: float model's, latent and quantized.</param>
/// <param name="QuantizerState">
/// Every parameter and buffer of the two quantizers (step sizes, scales, clipping thresholds, flags) by its name in the
/// layer (<c>weight_quantizer.step</c>), one value per element.
/// </param>
public sealed record LayerAnalysis(
    string Name,
    string FloatType,
    string QuantizedType,
    int WeightBits,
    int InputBits,
    TensorAnalysis Weight,
    TensorAnalysis Input,
    IReadOnlyDictionary<string, IReadOnlyList<double>> QuantizerState);
