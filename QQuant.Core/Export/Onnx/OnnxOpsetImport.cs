namespace QQuant.Export.Onnx;

/// <summary>An operator set the model uses: its domain ("" for the standard <c>ai.onnx</c> set) and version.</summary>
/// <param name="Domain">The domain: "" for <c>ai.onnx</c>, <c>com.microsoft</c> for ONNX Runtime's contrib operators.</param>
/// <param name="Version">The operator set's version (21 for the standard set QQuant exports).</param>
public sealed record OnnxOpsetImport(string Domain, long Version);
