namespace QQuant.Export;

/// <summary>
/// A quantized convolution written as <c>DequantizeLinear(codes, scales[C], axis 0) → Conv(…, bias[C])</c>: a
/// BatchNorm right after it folds into those two initializers, leaving the integer codes as trained.
/// </summary>
/// <param name="Path">The convolution's module path (its report row).</param>
/// <param name="Output">The convolution's output value.</param>
/// <param name="Scales">The per-channel weight scale initializer.</param>
/// <param name="Bias">The float bias initializer (zeros when the layer has none).</param>
/// <param name="Codes">The weight's integer codes initializer (output channels first).</param>
/// <param name="Sample">The output on the export's sample input (after any BatchNorm folded into it).</param>
/// <param name="Norm">The path of the BatchNorm folded into it, or null.</param>
internal sealed record FoldableConvolution(
    string Path, string Output, string Scales, string Bias, string Codes, TorchSharp.torch.Tensor Sample, string? Norm = null);
