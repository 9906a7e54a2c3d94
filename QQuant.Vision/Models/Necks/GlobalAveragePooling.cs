using QQuant.Export;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>Averages each channel over height and width: <c>[N, C, H, W]</c> → <c>[N, C]</c>.</summary>
public sealed class GlobalAveragePooling : Neck, IOnnxExportable
{
    /// <summary>Creates the neck.</summary>
    public GlobalAveragePooling() : base(nameof(GlobalAveragePooling))
    {
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (input.dim() == 2)
        {
            return input.alias();
        }

        if (input.dim() != 4)
        {
            throw new ArgumentException(
                $"GlobalAveragePooling takes [N, C, H, W] (or already pooled [N, C]) features, got [{string.Join(", ", input.shape)}].");
        }

        return input.mean([2, 3]);
    }

    /// <inheritdoc />
    public OnnxValue EmitOnnx(OnnxExportContext context, OnnxValue input) =>
        input.Sample.dim() == 2 ? input : context.Node("ReduceMean", [input.Name, context.Int64s("axes", 2, 3)], call(input.Sample), QQuant.Export.Onnx.OnnxAttribute.Int("keepdims", 0));
}
