namespace QQuant.Export;

/// <summary>How one quantized layer was written to ONNX.</summary>
/// <param name="Path">The layer's path in the model.</param>
/// <param name="LayerType">The layer's name (its module name, for example <c>LSQConv</c>).</param>
/// <param name="Weight">How the weight was written (for example <c>int8 per-channel (64 scales), 4-bit grid</c>).</param>
/// <param name="Input">How the input was written (for example <c>QCDQ uint8 [0, 15], scale 0.0123</c>, or <c>float</c>).</param>
/// <param name="FoldedNorm">The BatchNorm folded into the weight scales and bias, or null.</param>
/// <param name="Notes">What is approximated or was done instead of an integer grid; empty when exact.</param>
public sealed record OnnxLayerExport(
    string Path, string LayerType, string Weight, string Input, string? FoldedNorm, IReadOnlyList<string> Notes);
