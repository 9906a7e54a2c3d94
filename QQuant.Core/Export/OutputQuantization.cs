using QQuant.Export.Onnx;
using static TorchSharp.torch;

namespace QQuant.Export;

/// <summary>
/// <see cref="OnnxExportOptions.QuantizeConvolutionOutputs"/>: an 8-bit Q/DQ, calibrated on the sample input, after
/// every quantized convolution whose output reaches no quantizer, so ONNX Runtime can run it with integer kernels.
/// </summary>
internal static class OutputQuantization
{
    public static void Apply(OnnxExportContext context)
    {
        foreach (FoldableConvolution convolution in context.Convolutions.ToList())
        {
            if (ReachesQuantizer(context.Graph, convolution.Output))
            {
                continue;
            }

            (float scale, int zeroPoint, bool unsigned) = Calibrate(convolution.Sample);
            OnnxDataType container = unsigned ? OnnxDataType.UInt8 : OnnxDataType.Int8;
            string scaleName = context.Graph.Initializer($"{convolution.Path}.output_scale", name => OnnxTensor.Floats(name, [], [scale]));
            string zeroName = context.Graph.Initializer($"{convolution.Path}.output_zero_point", name => GraphBuilder.Integers(name, container, [], [zeroPoint]));
            GraphBuilder.PendingNode q = context.Graph.AddNode("QuantizeLinear", $"{convolution.Path}.output_q", [convolution.Output, scaleName, zeroName], [], "");
            GraphBuilder.PendingNode dq = context.Graph.AddNode("DequantizeLinear", $"{convolution.Path}.output_dq", [q.Outputs[0], scaleName, zeroName], [], "");
            context.Graph.Splice(convolution.Output, [q, dq], dq.Outputs[0]);
            context.AmendReport(convolution.Path, row => row with
            {
                Notes = [.. row.Notes, FormattableString.Invariant($"output quantized to 8 bits (scale {scale:G6}, calibrated on the sample input; training kept it float)")],
            });
        }
    }

    /// <summary>True when <paramref name="value"/> flows directly, or through one Relu, only into QuantizeLinear: ONNX Runtime fuses its convolution.</summary>
    internal static bool ReachesQuantizer(GraphBuilder graph, string value)
    {
        List<GraphBuilder.PendingNode> readers = [.. graph.Readers(value)];
        return readers.Count > 0
               && (readers.All(r => r.OpType == "QuantizeLinear")
                   || (readers is [{ OpType: "Relu" } relu] && ReachesQuantizer(graph, relu.Outputs[0])));
    }

    // Largest magnitude over 127 steps (signed, as uint8 with zero point 128) or largest value over 255 (non-negative).
    private static (float Scale, int ZeroPoint, bool Unsigned) Calibrate(Tensor sample)
    {
        using var noGrad = no_grad();
        float[] values = OnnxExportContext.HostFloats(sample);
        float max = values.Length == 0 ? 1 : values.Max(), min = values.Length == 0 ? 0 : values.Min();
        return min >= 0
            ? (max > 0 ? max / 255 : 1, 0, true)
            : (Math.Max(max, -min) / 127, 128, true);
    }
}
