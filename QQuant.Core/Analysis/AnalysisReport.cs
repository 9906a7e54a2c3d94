using System.Text.Json.Serialization;

namespace QQuant.Analysis;

/// <summary>Everything a model analysis found, with what was analysed: the content of the report's JSON file.</summary>
/// <param name="QQuantVersion">The QQuant version that made the report.</param>
/// <param name="Created">When the report was made.</param>
/// <param name="FloatModel">What the float model is (its config and checkpoint, for example).</param>
/// <param name="QuantizedModel">What the quantized model is.</param>
/// <param name="Inputs">What was fed to the models (an image path, or a dataset and a sample count).</param>
/// <param name="Comparison">The layer-by-layer and whole-model comparison.</param>
/// <param name="Sensitivity">Per-layer sensitivity, when it was measured.</param>
public sealed record AnalysisReport(
    [property: JsonPropertyName("qquantVersion")] string QQuantVersion,
    DateTimeOffset Created,
    string FloatModel,
    string QuantizedModel,
    string Inputs,
    ModelAnalysisResult Comparison,
    SensitivityResult? Sensitivity);
