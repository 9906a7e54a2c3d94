using QQuant.Export.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Export.Emitters;

/// <summary>Writes a 2-D convolution node (with a <c>Pad</c> in front for reflect, replicate and circular borders).</summary>
internal static class ConvolutionEmission
{
    public static OnnxValue Emit(
        OnnxExportContext context, ConvolutionGeometry2d geometry, OnnxValue input, string weight, string? bias, Tensor sample)
    {
        long[] pads = geometry.Pads();
        string x = input.Name;
        if (geometry.Mode != PaddingModes.Zeros && pads.Any(p => p != 0))
        {
            string mode = geometry.Mode switch
            {
                PaddingModes.Reflect => "reflect",
                PaddingModes.Replicate => "edge",
                PaddingModes.Circular => "wrap",
                _ => throw new OnnxExportException(context.Path, $"'{context.Path}' pads with {geometry.Mode}, which ONNX's Pad has no mode for."),
            };
            string allPads = context.Int64s("pads", 0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3]);
            x = context.Graph.Add("Pad", $"{context.Path}.pad", [x, allPads], OnnxAttribute.String("mode", mode));
            pads = [0, 0, 0, 0];
        }

        return context.Node(
            "Conv",
            bias is null ? [x, weight] : [x, weight, bias],
            sample,
            OnnxAttribute.Ints("kernel_shape", geometry.Kernel),
            OnnxAttribute.Ints("strides", geometry.Stride),
            OnnxAttribute.Ints("pads", pads),
            OnnxAttribute.Ints("dilations", geometry.Dilation),
            OnnxAttribute.Int("group", geometry.Groups));
    }
}
