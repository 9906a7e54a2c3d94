using System.Text;
using QQuant.Export.Onnx;

namespace QQuant.Tests.Export;

/// <summary>
/// Every field of an <see cref="OnnxModel"/> as text (floats by their bits, tensors by their bytes), so that two models
/// compare with one assertion whose failure shows the first difference.
/// </summary>
internal static class OnnxModelText
{
    public static string Describe(OnnxModel model)
    {
        var text = new StringBuilder();
        text.AppendLine($"ir {model.IrVersion}; producer '{model.ProducerName}' '{model.ProducerVersion}'; doc '{model.DocString}'");
        foreach (OnnxOpsetImport opset in model.OpsetImports)
        {
            text.AppendLine($"opset '{opset.Domain}' {opset.Version}");
        }

        foreach (KeyValuePair<string, string> entry in model.MetadataProps)
        {
            text.AppendLine($"meta '{entry.Key}' = '{entry.Value}'");
        }

        OnnxGraph graph = model.Graph;
        text.AppendLine($"graph '{graph.Name}' doc '{graph.DocString}'");
        foreach (OnnxNode node in graph.Nodes)
        {
            text.AppendLine($"node '{node.Name}' {node.Domain}:{node.OpType} in [{string.Join(",", node.Inputs.Select(i => $"'{i}'"))}] out [{string.Join(",", node.Outputs)}]");
            foreach (OnnxAttribute attribute in node.Attributes)
            {
                text.AppendLine($"  attr {Describe(attribute)}");
            }
        }

        foreach (OnnxTensor tensor in graph.Initializers)
        {
            text.AppendLine($"init {Describe(tensor)}");
        }

        AppendValues(text, "input", graph.Inputs);
        AppendValues(text, "output", graph.Outputs);
        AppendValues(text, "value", graph.ValueInfos);
        return text.ToString();
    }

    public static string Describe(OnnxTensor tensor) =>
        $"'{tensor.Name}' {tensor.DataType} [{string.Join(",", tensor.Dims)}] {Convert.ToHexString(tensor.RawData.Span)}";

    private static string Describe(OnnxAttribute a) => a.Type switch
    {
        OnnxAttributeType.Float => $"{a.Name} f {BitConverter.SingleToInt32Bits(a.FloatValue):X8}",
        OnnxAttributeType.Int => $"{a.Name} i {a.IntValue}",
        OnnxAttributeType.String => $"{a.Name} s '{a.StringValue}'",
        OnnxAttributeType.Tensor => $"{a.Name} t {Describe(a.TensorValue!)}",
        OnnxAttributeType.Floats => $"{a.Name} floats [{string.Join(",", a.FloatValues.Select(f => BitConverter.SingleToInt32Bits(f).ToString("X8")))}]",
        OnnxAttributeType.Ints => $"{a.Name} ints [{string.Join(",", a.IntValues)}]",
        _ => $"{a.Name} ?{a.Type}",
    };

    private static void AppendValues(StringBuilder text, string kind, IEnumerable<OnnxValueInfo> values)
    {
        foreach (OnnxValueInfo value in values)
        {
            string shape = value.Shape is null ? "no shape" : $"[{string.Join(",", value.Shape.Select(d => d.Value?.ToString() ?? (d.Symbol is null ? "?" : $"'{d.Symbol}'")))}]";
            text.AppendLine($"{kind} '{value.Name}' {value.ElementType} {shape}");
        }
    }
}
