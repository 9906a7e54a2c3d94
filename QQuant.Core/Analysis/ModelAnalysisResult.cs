namespace QQuant.Analysis;

/// <summary>The comparison of a float model with its quantized twin.</summary>
/// <param name="Layers">Every quantized layer with a float twin, in the quantized model's module order.</param>
/// <param name="Outputs">How the models' outputs agree.</param>
/// <param name="Size">Parameter sizes at float32 and at the policy's bit widths.</param>
public sealed record ModelAnalysisResult(IReadOnlyList<LayerAnalysis> Layers, OutputComparison Outputs, ModelSize Size);
