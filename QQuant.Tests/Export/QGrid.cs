using QQuant.Export.Onnx;

namespace QQuant.Tests.Export;

/// <summary>
/// An integer grid of QDQ: scale, zero point and container (<see cref="OnnxDataType.Int8"/> or
/// <see cref="OnnxDataType.UInt8"/>); with <see cref="Clip"/> set, an integer Clip narrows it to [Min, Max] (QCDQ).
/// </summary>
internal sealed record QGrid(OnnxDataType Container, float Scale, int ZeroPoint, int Min, int Max, bool Clip)
{
    public static QGrid UInt8(float scale) => new(OnnxDataType.UInt8, scale, 0, 0, 255, Clip: false);

    public static QGrid Narrow(OnnxDataType container, float scale, int zeroPoint, int min, int max) => new(container, scale, zeroPoint, min, max, Clip: true);

    /// <summary>QuantizeLinear as ONNX defines it (x / scale, rounded half to even, plus the zero point, saturated), then the grid's range.</summary>
    public int Quantize(float x) => Math.Clamp((int)MathF.Round(x / Scale, MidpointRounding.ToEven) + ZeroPoint, Min, Max);

    /// <summary>A scalar initializer of the container type.</summary>
    public OnnxTensor Scalar(string name, int value) => Container == OnnxDataType.Int8
        ? OnnxTensor.Int8(name, [], [(sbyte)value])
        : OnnxTensor.UInt8(name, [], [(byte)value]);

    /// <summary>Adds x → QuantizeLinear → [Clip] → DequantizeLinear → <paramref name="output"/> to <paramref name="graph"/>.</summary>
    public void AddQdq(OnnxGraph graph, string input, string output)
    {
        string scale = $"{input}.scale", zeroPoint = $"{input}.zero_point", quantized = $"{input}.q";
        graph.Initializers.Add(OnnxTensor.Floats(scale, [], [Scale]));
        graph.Initializers.Add(Scalar(zeroPoint, ZeroPoint));
        graph.Nodes.Add(new OnnxNode("QuantizeLinear", [input, scale, zeroPoint], [quantized], name: $"{input}.quantize"));
        if (Clip)
        {
            graph.Initializers.Add(Scalar($"{input}.min", Min));
            graph.Initializers.Add(Scalar($"{input}.max", Max));
            graph.Nodes.Add(new OnnxNode("Clip", [quantized, $"{input}.min", $"{input}.max"], [$"{input}.clipped"], name: $"{input}.clip"));
            quantized = $"{input}.clipped";
        }

        graph.Nodes.Add(new OnnxNode("DequantizeLinear", [quantized, scale, zeroPoint], [output], name: $"{input}.dequantize"));
    }
}
