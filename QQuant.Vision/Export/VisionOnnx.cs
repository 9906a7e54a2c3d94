using QQuant.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>The operations between modules that QQuant.Vision's models write to ONNX.</summary>
internal static class VisionOnnx
{
    /// <summary>An element-wise sum (a residual connection).</summary>
    public static OnnxValue Add(OnnxExportContext context, OnnxValue a, OnnxValue b) =>
        context.Node("Add", [a.Name, b.Name], a.Sample + b.Sample);

    /// <summary><c>x.flatten(1)</c>.</summary>
    public static OnnxValue Flatten(OnnxExportContext context, OnnxValue x) =>
        context.Node("Flatten", x, x.Sample.flatten(1), QQuant.Export.Onnx.OnnxAttribute.Int("axis", 1));

    /// <summary>The stages in order, up to and including <paramref name="last"/>.</summary>
    public static OnnxValue Stages(OnnxExportContext context, OnnxValue input, (string Name, nn.Module<Tensor, Tensor>? Stage)[] stages, int last)
    {
        OnnxValue x = input;
        for (int i = 0; i <= last; i++)
        {
            x = context.Emit(stages[i].Name, stages[i].Stage!, x);
        }

        return x;
    }
}
