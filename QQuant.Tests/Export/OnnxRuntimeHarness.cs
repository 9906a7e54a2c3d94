using Microsoft.ML.OnnxRuntime;
using QQuant.Export.Onnx;

namespace QQuant.Tests.Export;

/// <summary>
/// Runs ONNX models in ONNX Runtime's CPU execution provider: float inputs in, float outputs out, and the operator
/// types of the graph ORT actually executes after its optimisations (read back from the model it saves).
/// </summary>
internal static class OnnxRuntimeHarness
{
    /// <summary>Runs <paramref name="model"/> on <paramref name="inputs"/> (name → data and shape) and returns every output by name.</summary>
    public static Dictionary<string, (float[] Data, long[] Shape)> Run(
        byte[] model,
        IReadOnlyDictionary<string, (float[] Data, long[] Shape)> inputs,
        GraphOptimizationLevel level = GraphOptimizationLevel.ORT_ENABLE_ALL)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = level, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        var values = inputs.ToDictionary(p => p.Key, p => OrtValue.CreateTensorValueFromMemory(p.Value.Data, p.Value.Shape));
        try
        {
            using var runOptions = new RunOptions();
            IReadOnlyList<string> names = session.OutputNames;
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, values, names);
            return names.Zip(outputs).ToDictionary(
                p => p.First,
                p => (p.Second.GetTensorDataAsSpan<float>().ToArray(), p.Second.GetTensorTypeAndShape().Shape));
        }
        finally
        {
            foreach (OrtValue value in values.Values)
            {
                value.Dispose();
            }
        }
    }

    /// <summary>
    /// The operator types of the graph ORT runs after optimising <paramref name="model"/> at <paramref name="level"/>,
    /// in node order; an operator outside the standard set is prefixed with its domain (<c>com.microsoft.QLinearConv</c>).
    /// </summary>
    public static IReadOnlyList<string> OptimizedOpTypes(byte[] model, GraphOptimizationLevel level) =>
        OptimizedModel(model, level).Graph.Nodes
            .Select(n => n.Domain is "" or "ai.onnx" ? n.OpType : $"{n.Domain}.{n.OpType}")
            .ToList();

    /// <summary>The model ORT saves after optimising <paramref name="model"/> at <paramref name="level"/>, read back with <see cref="OnnxModelReader"/>.</summary>
    public static OnnxModel OptimizedModel(byte[] model, GraphOptimizationLevel level)
    {
        using var folder = new TemporaryFolder("qquant-ort");
        string path = Path.Combine(folder.Path, "optimized.onnx");
        using (var options = new SessionOptions { GraphOptimizationLevel = level, OptimizedModelFilePath = path, IntraOpNumThreads = 1 })
        using (new InferenceSession(model, options))
        {
        }

        return OnnxModelReader.Load(path);
    }
}
