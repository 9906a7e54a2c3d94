using Microsoft.ML.OnnxRuntime;
using QQuant.Export.Onnx;

namespace QQuant.Samples;

/// <summary>
/// Which quantized convolutions ONNX Runtime runs with integer kernels: the <c>QLinearConv</c> nodes of its optimised
/// graph, against the convolutions of the exported graph that can fuse (input and weight dequantized, output reaching
/// only <c>QuantizeLinear</c>, directly or through one <c>Relu</c>).
/// </summary>
/// <param name="Fusable">Convolutions of the exported graph that can run as <c>QLinearConv</c>.</param>
/// <param name="Fused">The <c>QLinearConv</c> nodes in ONNX Runtime's optimised graph.</param>
/// <param name="FloatConvolutions">Float convolutions left in the optimised graph (<c>Conv</c>, <c>FusedConv</c>).</param>
internal sealed record OnnxFusion(int Fusable, int Fused, int FloatConvolutions)
{
    /// <summary>Optimises <paramref name="bytes"/> at <paramref name="level"/> and counts.</summary>
    public static OnnxFusion Inspect(byte[] bytes, GraphOptimizationLevel level = GraphOptimizationLevel.ORT_ENABLE_EXTENDED)
    {
        string optimised = Path.Combine(Path.GetTempPath(), $"qquant-optimised-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var options = new SessionOptions { GraphOptimizationLevel = level, OptimizedModelFilePath = optimised })
            using (new InferenceSession(bytes, options))
            {
            }

            List<string> ops = [.. OnnxModelReader.Load(optimised).Graph.Nodes.Select(n => n.OpType)];
            return new OnnxFusion(CountFusable(OnnxModelReader.Read(bytes).Graph), ops.Count(o => o == "QLinearConv"), ops.Count(o => o is "Conv" or "FusedConv"));
        }
        finally
        {
            File.Delete(optimised);
        }
    }

    private static int CountFusable(OnnxGraph graph)
    {
        Dictionary<string, OnnxNode> producers = graph.Nodes.SelectMany(n => n.Outputs.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n);
        ILookup<string, OnnxNode> consumers = graph.Nodes.SelectMany(n => n.Inputs.Select(i => (i, n))).ToLookup(p => p.i, p => p.n);
        bool Dequantized(string value) => producers.TryGetValue(value, out OnnxNode? p) && p.OpType == "DequantizeLinear";
        bool OnlyQuantized(string value) => consumers[value].Any() && consumers[value].All(c => c.OpType == "QuantizeLinear");
        return graph.Nodes.Count(n => n.OpType == "Conv" && Dequantized(n.Inputs[0]) && Dequantized(n.Inputs[1])
            && (OnlyQuantized(n.Outputs[0])
                || (consumers[n.Outputs[0]].Count() == 1 && consumers[n.Outputs[0]].Single() is { OpType: "Relu" } relu && OnlyQuantized(relu.Outputs[0]))));
    }
}
