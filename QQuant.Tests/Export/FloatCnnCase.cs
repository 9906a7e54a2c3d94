using QQuant.Export.Onnx;

namespace QQuant.Tests.Export;

/// <summary>
/// A small float network built with the ONNX object model: a grouped, strided, dilated Conv with asymmetric-looking
/// (per-axis) pads and a bias, Relu, GlobalAveragePool, Flatten and Gemm. Its weights are seeded random numbers.
/// </summary>
internal sealed class FloatCnnCase
{
    public const int InChannels = 4, OutChannels = 6, Groups = 2, Kernel = 3, Classes = 5;
    public static readonly long[] Strides = [2, 1], Pads = [1, 2], Dilations = [1, 2];

    public FloatCnnCase(int seed)
    {
        var random = new Random(seed);
        ConvWeight = Values(random, OutChannels * (InChannels / Groups) * Kernel * Kernel, 0.5f);
        ConvBias = Values(random, OutChannels, 0.2f);
        GemmWeight = Values(random, Classes * OutChannels, 0.7f);
        GemmBias = Values(random, Classes, 0.1f);
    }

    public float[] ConvWeight { get; }

    public float[] ConvBias { get; }

    public float[] GemmWeight { get; }

    public float[] GemmBias { get; }

    public static float[] Values(Random random, int count, float range) =>
        Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1) * range).ToArray();

    /// <summary>The model for operator set <paramref name="opset"/>, input <c>x</c> of shape [batch, 4, h, w], output <c>logits</c>.</summary>
    public OnnxModel Model(int opset = 21, long irVersion = OnnxModel.DefaultIrVersion)
    {
        var graph = new OnnxGraph("float_cnn");
        graph.Inputs.Add(new OnnxValueInfo("x", OnnxDataType.Float, ["batch", InChannels, "height", "width"]));
        graph.Outputs.Add(new OnnxValueInfo("logits", OnnxDataType.Float, ["batch", Classes]));
        graph.Initializers.Add(OnnxTensor.Floats("conv.weight", [OutChannels, InChannels / Groups, Kernel, Kernel], ConvWeight));
        graph.Initializers.Add(OnnxTensor.Floats("conv.bias", [OutChannels], ConvBias));
        graph.Initializers.Add(OnnxTensor.Floats("fc.weight", [Classes, OutChannels], GemmWeight));
        graph.Initializers.Add(OnnxTensor.Floats("fc.bias", [Classes], GemmBias));

        var conv = new OnnxNode("Conv", ["x", "conv.weight", "conv.bias"], ["conv"], name: "conv");
        conv.Attributes.Add(OnnxAttribute.Ints("kernel_shape", Kernel, Kernel));
        conv.Attributes.Add(OnnxAttribute.Ints("strides", Strides));
        conv.Attributes.Add(OnnxAttribute.Ints("pads", [.. Pads, .. Pads]));
        conv.Attributes.Add(OnnxAttribute.Ints("dilations", Dilations));
        conv.Attributes.Add(OnnxAttribute.Int("group", Groups));
        var flatten = new OnnxNode("Flatten", ["pooled"], ["features"], name: "flatten");
        flatten.Attributes.Add(OnnxAttribute.Int("axis", 1));
        var gemm = new OnnxNode("Gemm", ["features", "fc.weight", "fc.bias"], ["logits"], name: "fc");
        gemm.Attributes.Add(OnnxAttribute.Int("transB", 1));
        gemm.Attributes.Add(OnnxAttribute.Float("alpha", 1f));
        graph.Nodes.Add(conv);
        graph.Nodes.Add(new OnnxNode("Relu", ["conv"], ["relu"], name: "relu"));
        graph.Nodes.Add(new OnnxNode("GlobalAveragePool", ["relu"], ["pooled"], name: "pool"));
        graph.Nodes.Add(flatten);
        graph.Nodes.Add(gemm);

        var model = new OnnxModel(graph) { IrVersion = irVersion, ProducerName = "QQuant.Tests" };
        model.OpsetImports.Add(new OnnxOpsetImport("", opset));
        return model;
    }
}
