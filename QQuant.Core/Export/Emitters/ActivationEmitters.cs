using QQuant.Export.Onnx;
using TorchSharp.Modules;

namespace QQuant.Export.Emitters;

/// <summary><see cref="ReLU"/> as ONNX <c>Relu</c>.</summary>
internal sealed class ReLUEmitter : OnnxEmitter<ReLU>
{
    protected override OnnxValue Emit(OnnxExportContext context, ReLU module, OnnxValue input) =>
        context.Node("Relu", input, module.call(input.Sample));
}

/// <summary><see cref="Tanh"/> as ONNX <c>Tanh</c>.</summary>
internal sealed class TanhEmitter : OnnxEmitter<Tanh>
{
    protected override OnnxValue Emit(OnnxExportContext context, Tanh module, OnnxValue input) =>
        context.Node("Tanh", input, module.call(input.Sample));
}

/// <summary><see cref="ReLU6"/> as ONNX <c>Clip</c> to <c>[0, 6]</c>.</summary>
internal sealed class ReLU6Emitter : OnnxEmitter<ReLU6>
{
    protected override OnnxValue Emit(OnnxExportContext context, ReLU6 module, OnnxValue input) =>
        ClipEmission.Emit(context, input, 0, 6, module.call(input.Sample));
}

/// <summary><see cref="Hardtanh"/> as ONNX <c>Clip</c>.</summary>
internal sealed class HardtanhEmitter : OnnxEmitter<Hardtanh>
{
    protected override OnnxValue Emit(OnnxExportContext context, Hardtanh module, OnnxValue input) =>
        ClipEmission.Emit(context, input, (float)module.min_val, (float)module.max_val, module.call(input.Sample));
}

/// <summary>A float <c>Clip</c> with its bounds as scalar initializers.</summary>
internal static class ClipEmission
{
    public static OnnxValue Emit(OnnxExportContext context, OnnxValue input, float min, float max, TorchSharp.torch.Tensor sample) =>
        context.Node("Clip", [input.Name, context.Floats("min", [min]), context.Floats("max", [max])], sample);
}
