using TorchSharp.Modules;

namespace QQuant.Export.Emitters;

/// <summary>A float <see cref="Conv2d"/> as ONNX <c>Conv</c>.</summary>
internal sealed class Conv2dEmitter : OnnxEmitter<Conv2d>
{
    protected override OnnxValue Emit(OnnxExportContext context, Conv2d module, OnnxValue input) =>
        ConvolutionEmission.Emit(
            context,
            ConvolutionGeometry2d.Of(module),
            input,
            context.Floats("weight", module.weight),
            module.bias is null ? null : context.Floats("bias", module.bias),
            module.call(input.Sample));
}
