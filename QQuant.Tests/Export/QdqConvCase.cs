using QQuant.Export.Onnx;

namespace QQuant.Tests.Export;

/// <summary>
/// A QDQ convolution: x → Q/DQ on <see cref="Input"/>'s grid → Conv (int8 per-channel weights through
/// DequantizeLinear on axis 0, float bias, pads 1) → Relu (optional) → Q/DQ on <see cref="Output"/>'s grid → y; and the same
/// integer arithmetic computed here by hand.
/// </summary>
internal sealed class QdqConvCase
{
    public const int InChannels = 8, OutChannels = 16, Size = 12, Kernel = 3;

    public QdqConvCase(QGrid input, QGrid output, int weightLimit, float weightStep, int seed, bool relu = true)
    {
        Input = input;
        Output = output;
        Relu = relu;
        var random = new Random(seed);
        Weights = Enumerable.Range(0, OutChannels * InChannels * Kernel * Kernel)
            .Select(_ => (sbyte)random.Next(-weightLimit, weightLimit + 1)).ToArray();
        WeightScales = Enumerable.Range(0, OutChannels).Select(c => weightStep * (1 + c % 5) / 3f).ToArray();
        Bias = FloatCnnCase.Values(random, OutChannels, 0.5f);
        float low = (input.Min - input.ZeroPoint - 1.5f) * input.Scale, high = (input.Max - input.ZeroPoint + 1.5f) * input.Scale;
        X = Enumerable.Range(0, InChannels * Size * Size).Select(_ => low + (float)random.NextDouble() * (high - low)).ToArray();
    }

    public QGrid Input { get; }

    public QGrid Output { get; }

    /// <summary>Whether a Relu follows the convolution (its output then goes to the output grid).</summary>
    public bool Relu { get; }

    public sbyte[] Weights { get; }

    public float[] WeightScales { get; }

    public float[] Bias { get; }

    /// <summary>One input image, [1, 8, 12, 12], reaching a step and a half beyond both ends of the input grid.</summary>
    public float[] X { get; }

    public static long[] XShape => [1, InChannels, Size, Size];

    public OnnxModel Model(int opset = 21, long irVersion = OnnxModel.DefaultIrVersion)
    {
        var graph = new OnnxGraph("qdq_conv");
        graph.Inputs.Add(new OnnxValueInfo("x", OnnxDataType.Float, ["batch", InChannels, Size, Size]));
        graph.Outputs.Add(new OnnxValueInfo("y", OnnxDataType.Float, ["batch", OutChannels, Size, Size]));
        Input.AddQdq(graph, "x", "x.dq");

        graph.Initializers.Add(OnnxTensor.Int8("w.q", [OutChannels, InChannels, Kernel, Kernel], Weights));
        graph.Initializers.Add(OnnxTensor.Floats("w.scale", [OutChannels], WeightScales));
        graph.Initializers.Add(OnnxTensor.Int8("w.zero_point", [OutChannels], new sbyte[OutChannels]));
        graph.Initializers.Add(OnnxTensor.Floats("bias", [OutChannels], Bias));
        var weight = new OnnxNode("DequantizeLinear", ["w.q", "w.scale", "w.zero_point"], ["w"], name: "w.dequantize");
        weight.Attributes.Add(OnnxAttribute.Int("axis", 0));
        var conv = new OnnxNode("Conv", ["x.dq", "w", "bias"], ["conv"], name: "conv");
        conv.Attributes.Add(OnnxAttribute.Ints("kernel_shape", Kernel, Kernel));
        conv.Attributes.Add(OnnxAttribute.Ints("pads", 1, 1, 1, 1));
        graph.Nodes.Add(weight);
        graph.Nodes.Add(conv);
        if (Relu)
        {
            graph.Nodes.Add(new OnnxNode("Relu", ["conv"], ["relu"], name: "relu"));
        }

        Output.AddQdq(graph, Relu ? "relu" : "conv", "y");

        var model = new OnnxModel(graph) { IrVersion = irVersion, ProducerName = "QQuant.Tests" };
        model.OpsetImports.Add(new OnnxOpsetImport("", opset));
        return model;
    }

    /// <summary>
    /// The integer computation an integer kernel does: x on its grid, int32 accumulation of (q_x − zp) · q_w, the bias
    /// as int32 on the scale s_x · s_w[c], requantised to the output grid (Relu is the clamp at its zero point).
    /// </summary>
    public float[] Reference()
    {
        int[] qx = X.Select(v => Input.Quantize(v) - Input.ZeroPoint).ToArray();
        var y = new float[OutChannels * Size * Size];
        for (int c = 0; c < OutChannels; c++)
        {
            double accumulatorScale = (double)Input.Scale * WeightScales[c];
            long bias = (long)Math.Round(Bias[c] / accumulatorScale, MidpointRounding.ToEven);
            for (int h = 0; h < Size; h++)
            {
                for (int w = 0; w < Size; w++)
                {
                    long sum = bias + Accumulate(qx, c, h, w);
                    int q = (int)Math.Round(sum * accumulatorScale / Output.Scale, MidpointRounding.ToEven) + Output.ZeroPoint;
                    q = Math.Clamp(q, Relu ? Math.Max(Output.Min, Output.ZeroPoint) : Output.Min, Output.Max);
                    y[(c * Size + h) * Size + w] = (q - Output.ZeroPoint) * Output.Scale;
                }
            }
        }

        return y;
    }

    private long Accumulate(int[] qx, int c, int h, int w)
    {
        long sum = 0;
        for (int i = 0; i < InChannels; i++)
        {
            for (int kh = 0; kh < Kernel; kh++)
            {
                for (int kw = 0; kw < Kernel; kw++)
                {
                    int row = h + kh - 1, column = w + kw - 1;
                    if (row >= 0 && row < Size && column >= 0 && column < Size)
                    {
                        sum += (long)qx[(i * Size + row) * Size + column] * Weights[((c * InChannels + i) * Kernel + kh) * Kernel + kw];
                    }
                }
            }
        }

        return sum;
    }
}
