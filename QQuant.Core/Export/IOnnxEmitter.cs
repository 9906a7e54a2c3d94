using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Export;

/// <summary>
/// Writes one module type to ONNX: the nodes that compute its forward from its input value. Register one for a
/// module you do not own (<c>services.AddQQuant().AddOnnxEmitter(...)</c> or <see cref="OnnxEmitterRegistry.Add"/>);
/// a module of your own can implement <see cref="IOnnxExportable"/> instead.
/// </summary>
public interface IOnnxEmitter
{
    /// <summary>The module type this emitter writes (and its subclasses, unless a more derived emitter exists).</summary>
    Type ModuleType { get; }

    /// <summary>Emits <paramref name="module"/> applied to <paramref name="input"/> and returns its output value.</summary>
    OnnxValue Emit(OnnxExportContext context, nn.Module module, OnnxValue input);
}
