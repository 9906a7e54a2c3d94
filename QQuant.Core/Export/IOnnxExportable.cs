namespace QQuant.Export;

/// <summary>
/// A module that writes itself to ONNX, next to its forward: it emits its children through
/// <see cref="OnnxExportContext.Emit"/> and the operations between them (additions, concatenations) as nodes.
/// </summary>
public interface IOnnxExportable
{
    /// <summary>Emits this module applied to <paramref name="input"/> and returns its output value.</summary>
    OnnxValue EmitOnnx(OnnxExportContext context, OnnxValue input);
}
