using System.Globalization;
using QQuant.Export.Onnx;

namespace QQuant.Export;

/// <summary>
/// The bias of every convolution that runs as <c>QLinearConv</c> (integer Q/DQ input and weight, output into a
/// quantizer), written as int32 codes of <c>s_x · s_w[c]</c> through <c>DequantizeLinear</c>, as that kernel adds
/// it. ONNX Runtime rounds a float bias to those codes itself at optimisation level BASIC and above; written into the
/// file, every level and every runtime computes the same, and <see cref="BiasAlignment"/> can give the model exactly
/// that bias. Convolutions with a float output keep their float bias.
/// </summary>
internal static class IntegerBias
{
    // Below this fraction of a code the move is the float rounding of a bias that is already on the grid.
    private const double Negligible = 0.05;

    public static void Apply(OnnxExportContext context)
    {
        foreach (FoldableConvolution convolution in context.Convolutions.ToList())
        {
            GraphBuilder.PendingNode conv = context.Graph.Nodes.Single(n => n.Outputs.Contains(convolution.Output));
            if (conv.OpType != "Conv" || InputScale(context.Graph, conv.Inputs[0]) is not { } inputScale
                || !OutputQuantization.ReachesQuantizer(context.Graph, convolution.Output))
            {
                continue;
            }

            float[] bias = context.Graph.FindInitializer(convolution.Bias)!.ToFloats();
            float[] units = [.. context.Graph.FindInitializer(convolution.Scales)!.ToFloats().Select(s => inputScale * s)];
            double[] steps = [.. bias.Select((b, c) => (double)(b / units[c]))];
            if (steps.Any(s => !double.IsFinite(s) || Math.Abs(s) > int.MaxValue))
            {
                context.AmendReport(convolution.Path, row => row with { Notes = [.. row.Notes, "bias stays float: it does not fit int32 codes of s_x·s_w"] });
                continue;
            }

            int[] codes = [.. steps.Select(s => (int)Math.Round(s, MidpointRounding.ToEven))];
            string codesName = context.Graph.Initializer($"{convolution.Path}.bias_codes", name => OnnxTensor.Int32(name, [codes.Length], codes));
            string unitsName = context.Graph.Initializer($"{convolution.Path}.bias_scale", name => OnnxTensor.Floats(name, [units.Length], units));
            GraphBuilder.PendingNode dequantize = context.Graph.AddNode(
                "DequantizeLinear", $"{convolution.Path}.bias_dq", [codesName, unitsName], [OnnxAttribute.Int("axis", 0)], "");
            context.Graph.MoveBefore(dequantize, conv);
            conv.Inputs[2] = dequantize.Outputs[0];
            context.Graph.RemoveInitializer(convolution.Bias);
            context.IntegerBiases.Add(new IntegerBiasLayer(convolution.Path, convolution.Norm, bias, [.. codes.Select((q, c) => q * (double)units[c])], units));

            double largest = steps.Select((s, c) => Math.Abs(s - codes[c])).DefaultIfEmpty(0).Max();
            if (largest >= Negligible)
            {
                string note = string.Format(
                    CultureInfo.InvariantCulture,
                    "bias: int32 codes of s_x·s_w, as QLinearConv adds it, {0:0.00} of a code from the model's float bias at most "
                    + "(AlignBiasesToIntegerGrid gives the model this bias)",
                    largest);
                context.AmendReport(convolution.Path, row => row with { Notes = [.. row.Notes, note] });
            }
        }
    }

    // The per-tensor scale of the DequantizeLinear that produces value, or null when value is not an integer activation.
    private static float? InputScale(GraphBuilder graph, string value)
    {
        GraphBuilder.PendingNode? producer = graph.Nodes.FirstOrDefault(n => n.Outputs.Contains(value));
        return producer is { OpType: "DequantizeLinear" } && graph.FindInitializer(producer.Inputs[1]) is { } scale && scale.Dims.Count == 0
            ? scale.ToFloats()[0]
            : null;
    }
}

/// <summary>A convolution whose bias the export wrote as int32 codes.</summary>
/// <param name="Path">The convolution's module path.</param>
/// <param name="Norm">The path of the BatchNorm folded into it, or null.</param>
/// <param name="Bias">The float bias before rounding (BatchNorm folded in).</param>
/// <param name="Exported">The bias the codes stand for, <c>code · s_x · s_w[c]</c>.</param>
/// <param name="Units">One code's value per channel, <c>s_x · s_w[c]</c>.</param>
internal sealed record IntegerBiasLayer(string Path, string? Norm, float[] Bias, double[] Exported, float[] Units);
