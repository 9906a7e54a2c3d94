using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using QQuant.Export.Onnx;
using static TorchSharp.torch;

namespace QQuant.Tests.Export;

/// <summary>Models built with the ONNX object model run in ONNX Runtime and compute what they should.</summary>
public sealed class OnnxRuntimeTests(ITestOutputHelper output)
{
    [Fact]
    public void The_native_runtime_loads_and_runs_a_one_node_model()
    {
        var graph = new OnnxGraph("relu");
        graph.Nodes.Add(new OnnxNode("Relu", ["x"], ["y"]));
        graph.Inputs.Add(new OnnxValueInfo("x", OnnxDataType.Float, ["n"]));
        graph.Outputs.Add(new OnnxValueInfo("y", OnnxDataType.Float, ["n"]));
        var model = new OnnxModel(graph);
        model.OpsetImports.Add(new OnnxOpsetImport("", 21));

        var result = OnnxRuntimeHarness.Run(OnnxModelWriter.ToBytes(model), new Dictionary<string, (float[], long[])>
        {
            ["x"] = ([-1.5f, 0f, 2.25f], [3]),
        });

        Assert.Equal([0f, 0f, 2.25f], result["y"].Data);
        Assert.Equal([3L], result["y"].Shape);
        output.WriteLine($"ONNX Runtime {OrtEnv.Instance().GetVersionString()}");
    }

    [Theory]
    [InlineData(GraphOptimizationLevel.ORT_DISABLE_ALL)]
    [InlineData(GraphOptimizationLevel.ORT_ENABLE_ALL)]
    public void A_float_network_matches_the_same_computation_in_TorchSharp(GraphOptimizationLevel level)
    {
        using var scope = NewDisposeScope();
        var cnn = new FloatCnnCase(seed: 7);
        long[] shape = [2, FloatCnnCase.InChannels, 9, 11];
        float[] x = FloatCnnCase.Values(new Random(8), (int)shape.Aggregate((a, b) => a * b), 2f);

        var result = OnnxRuntimeHarness.Run(OnnxModelWriter.ToBytes(cnn.Model()), new Dictionary<string, (float[], long[])> { ["x"] = (x, shape) }, level);

        Tensor convWeight = tensor(cnn.ConvWeight).reshape(FloatCnnCase.OutChannels, FloatCnnCase.InChannels / FloatCnnCase.Groups, FloatCnnCase.Kernel, FloatCnnCase.Kernel);
        Tensor conv = nn.functional.conv2d(tensor(x).reshape(shape), convWeight, tensor(cnn.ConvBias),
            FloatCnnCase.Strides, FloatCnnCase.Pads, FloatCnnCase.Dilations, FloatCnnCase.Groups);
        Tensor features = nn.functional.relu(conv).mean([2, 3]);
        Tensor logits = nn.functional.linear(features, tensor(cnn.GemmWeight).reshape(FloatCnnCase.Classes, FloatCnnCase.OutChannels), tensor(cnn.GemmBias));
        Assert.Equal(logits.shape, result["logits"].Shape);
        float[] expected = logits.data<float>().ToArray();
        Assert.All(expected.Zip(result["logits"].Data), p => Assert.Equal(p.First, p.Second, 1e-5f));
        Assert.True(expected.Select(MathF.Abs).Max() > 0.1f, "the logits should not all be near zero");
    }

    public static TheoryData<string, GraphOptimizationLevel> QdqCases()
    {
        var cases = new TheoryData<string, GraphOptimizationLevel>();
        foreach (string name in new[] { "8-bit", "8-bit int8", "4-bit QCDQ", "4-bit QCDQ int8" })
        {
            cases.Add(name, GraphOptimizationLevel.ORT_DISABLE_ALL);
            cases.Add(name, GraphOptimizationLevel.ORT_ENABLE_EXTENDED);
            cases.Add(name, GraphOptimizationLevel.ORT_ENABLE_ALL);
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(QdqCases))]
    public void A_QDQ_convolution_computes_the_integer_arithmetic(string name, GraphOptimizationLevel level)
    {
        QdqConvCase qdq = Case(name);

        float[] actual = OnnxRuntimeHarness.Run(OnnxModelWriter.ToBytes(qdq.Model()),
            new Dictionary<string, (float[], long[])> { ["x"] = (qdq.X, QdqConvCase.XShape) }, level)["y"].Data;

        float[] expected = qdq.Reference();
        float step = qdq.Output.Scale;
        Assert.All(expected.Zip(actual), p => Assert.InRange(MathF.Abs(p.First - p.Second), 0f, step * 1.0001f));
        int equal = expected.Zip(actual).Count(p => p.First == p.Second);
        output.WriteLine($"{name} at {level}: {equal} of {expected.Length} outputs exactly equal");
        Assert.True(equal >= 0.99 * expected.Length, $"only {equal} of {expected.Length} outputs equal the hand computation");
        int levels = expected.Distinct().Count();
        Assert.True(levels >= Math.Min(8, qdq.Output.Max - qdq.Output.Min), $"the outputs use only {levels} levels of the grid");
        int lowest = qdq.Relu ? Math.Max(qdq.Output.Min, qdq.Output.ZeroPoint) : qdq.Output.Min;
        Assert.Contains(expected, v => v == (lowest - qdq.Output.ZeroPoint) * step);
        Assert.Contains(expected, v => v == (qdq.Output.Max - qdq.Output.ZeroPoint) * step);
    }

    [Theory]
    [InlineData("8-bit")]
    [InlineData("8-bit int8")]
    [InlineData("4-bit QCDQ")]
    public void ONNX_Runtime_fuses_a_QDQ_convolution_into_an_integer_kernel(string name)
    {
        byte[] model = OnnxModelWriter.ToBytes(Case(name).Model());

        IReadOnlyList<string> extended = OnnxRuntimeHarness.OptimizedOpTypes(model, GraphOptimizationLevel.ORT_ENABLE_EXTENDED);
        IReadOnlyList<string> all = OnnxRuntimeHarness.OptimizedOpTypes(model, GraphOptimizationLevel.ORT_ENABLE_ALL);
        output.WriteLine($"{name}, extended: {string.Join(" ", extended)}");
        output.WriteLine($"{name}, all: {string.Join(" ", all)}");

        Assert.Contains("QLinearConv", extended);
        Assert.DoesNotContain(extended, op => op == "Conv" || op.EndsWith("FusedConv", StringComparison.Ordinal));
        Assert.DoesNotContain(all, op => op == "Conv" || op.EndsWith("FusedConv", StringComparison.Ordinal));
    }

    [Fact]
    public void On_x64_a_QCDQ_grid_on_int8_containers_leaves_the_convolution_float()
    {
        Assert.SkipUnless(RuntimeInformation.ProcessArchitecture == Architecture.X64,
            "ONNX Runtime turns int8 Q/DQ pairs into uint8 ones only where it prefers uint8 activations (x64)");
        byte[] model = OnnxModelWriter.ToBytes(Case("4-bit QCDQ int8").Model());

        IReadOnlyList<string> extended = OnnxRuntimeHarness.OptimizedOpTypes(model, GraphOptimizationLevel.ORT_ENABLE_EXTENDED);
        output.WriteLine(string.Join(" ", extended));

        // A Clip between QuantizeLinear and DequantizeLinear keeps ORT from converting the int8 pair to uint8, and
        // its x64 kernels take int8 activations only through that conversion: the exporter must use uint8 containers.
        Assert.DoesNotContain("QLinearConv", extended);
        Assert.Contains("Conv", extended);
    }

    [Fact]
    public void Without_QDQ_after_the_convolution_it_stays_float()
    {
        OnnxModel model = Case("8-bit").Model();
        OnnxGraph graph = model.Graph;
        foreach (OnnxNode node in graph.Nodes.Where(n => n.Name.StartsWith("relu.", StringComparison.Ordinal)).ToList())
        {
            graph.Nodes.Remove(node);
        }

        graph.Nodes.Add(new OnnxNode("Identity", ["relu"], ["y"]));

        IReadOnlyList<string> extended = OnnxRuntimeHarness.OptimizedOpTypes(OnnxModelWriter.ToBytes(model), GraphOptimizationLevel.ORT_ENABLE_EXTENDED);
        output.WriteLine(string.Join(" ", extended));

        Assert.DoesNotContain("QLinearConv", extended);
        Assert.Contains(extended, op => op == "Conv" || op.EndsWith("FusedConv", StringComparison.Ordinal));
    }

    /// <summary>
    /// The QDQ convolutions: 8-bit on uint8 and on int8 containers, and 4-bit QCDQ grids (an integer Clip between Q and
    /// DQ) on uint8 containers (the input's signed grid [-8, 7] shifted by its zero point 8) and on int8 containers.
    /// </summary>
    internal static QdqConvCase Case(string name) => name switch
    {
        "8-bit" => new QdqConvCase(QGrid.UInt8(0.025f), QGrid.UInt8(0.0625f), weightLimit: 127, weightStep: 0.004f, seed: 11),
        "8-bit int8" => new QdqConvCase(new QGrid(OnnxDataType.Int8, 0.025f, 0, -128, 127, Clip: false),
            new QGrid(OnnxDataType.Int8, 0.0625f, -128, -128, 127, Clip: false), weightLimit: 127, weightStep: 0.004f, seed: 13),
        "4-bit QCDQ" => new QdqConvCase(QGrid.Narrow(OnnxDataType.UInt8, 0.3f, 8, 0, 15), QGrid.Narrow(OnnxDataType.UInt8, 0.75f, 0, 0, 15),
            weightLimit: 7, weightStep: 0.06f, seed: 12),
        "4-bit QCDQ int8" => new QdqConvCase(QGrid.Narrow(OnnxDataType.Int8, 0.3f, 0, -8, 7), QGrid.Narrow(OnnxDataType.Int8, 0.75f, 0, -8, 7),
            weightLimit: 7, weightStep: 0.06f, seed: 14, relu: false),
        _ => throw new ArgumentException(name),
    };
}
