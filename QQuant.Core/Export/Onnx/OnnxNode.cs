namespace QQuant.Export.Onnx;

/// <summary>
/// One operator call of a graph: <c>op_type</c> in <see cref="Domain"/> (empty for the standard <c>ai.onnx</c> set), the
/// value names it reads and writes, and its attributes. An empty input name marks an optional input left out.
/// </summary>
public sealed class OnnxNode
{
    /// <summary>Creates a node.</summary>
    /// <param name="opType">The operator (<c>Conv</c>, <c>QuantizeLinear</c>).</param>
    /// <param name="inputs">The value names it reads, in the operator's order ("" for an optional input left out).</param>
    /// <param name="outputs">The value names it writes.</param>
    /// <param name="name">The node's name, unique in the graph where given ("" for none).</param>
    /// <param name="domain">The operator set's domain: "" for <c>ai.onnx</c>, <c>com.microsoft</c> for ONNX Runtime's own.</param>
    public OnnxNode(string opType, IEnumerable<string> inputs, IEnumerable<string> outputs, string name = "", string domain = "")
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(domain);
        OpType = opType;
        Inputs = inputs.ToList();
        Outputs = outputs.ToList();
        Name = name;
        Domain = domain;
    }

    /// <summary>The operator.</summary>
    public string OpType { get; }

    /// <summary>The value names the node reads.</summary>
    public IList<string> Inputs { get; }

    /// <summary>The value names the node writes.</summary>
    public IList<string> Outputs { get; }

    /// <summary>The node's name ("" for none).</summary>
    public string Name { get; }

    /// <summary>The operator set's domain ("" for <c>ai.onnx</c>).</summary>
    public string Domain { get; }

    /// <summary>The attributes, in the order they are written.</summary>
    public IList<OnnxAttribute> Attributes { get; } = new List<OnnxAttribute>();

    /// <summary>The attribute named <paramref name="name"/>, or null when the node has none of that name.</summary>
    public OnnxAttribute? Attribute(string name) => Attributes.FirstOrDefault(a => a.Name == name);

    /// <inheritdoc/>
    public override string ToString() =>
        $"{(Domain.Length == 0 ? "" : Domain + ".")}{OpType}({string.Join(", ", Inputs)}) -> {string.Join(", ", Outputs)}";
}
