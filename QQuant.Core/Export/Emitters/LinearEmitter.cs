using QQuant.Export.Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Export.Emitters;

/// <summary>A float <see cref="Linear"/> as ONNX <c>Gemm</c> (2-D input) or <c>MatMul</c> + <c>Add</c>.</summary>
internal sealed class LinearEmitter : OnnxEmitter<Linear>
{
    protected override OnnxValue Emit(OnnxExportContext context, Linear module, OnnxValue input) =>
        Emit(context, input, context.Floats("weight", module.weight), module.bias is null ? null : context.Floats("bias", module.bias), module.call(input.Sample));

    /// <summary><c>x · Wᵀ + b</c> with the weight <c>[out, in]</c> as PyTorch stores it.</summary>
    public static OnnxValue Emit(OnnxExportContext context, OnnxValue input, string weight, string? bias, Tensor sample)
    {
        if (input.Sample.dim() == 2)
        {
            return context.Node("Gemm", bias is null ? [input.Name, weight] : [input.Name, weight, bias], sample, OnnxAttribute.Int("transB", 1));
        }

        string transposed = context.Graph.Add("Transpose", $"{context.Path}.weight_t", [weight], OnnxAttribute.Ints("perm", [1, 0]));
        if (bias is null)
        {
            return context.Node("MatMul", [input.Name, transposed], sample);
        }

        string product = context.Graph.Add("MatMul", $"{context.Path}.matmul", [input.Name, transposed]);
        return context.Node("Add", [product, bias], sample);
    }
}
