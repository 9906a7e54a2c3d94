namespace QQuant.Export.Onnx;

/// <summary>
/// A computation graph: nodes in topological order, constant initializers, the declared inputs and outputs, and
/// optional declarations of intermediate values. The lists are filled after construction (collection initialisers work).
/// </summary>
public sealed class OnnxGraph
{
    /// <summary>Creates an empty graph named <paramref name="name"/>.</summary>
    public OnnxGraph(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
    }

    /// <summary>The graph's name.</summary>
    public string Name { get; }

    /// <summary>A human-readable description ("" for none).</summary>
    public string DocString { get; set; } = "";

    /// <summary>The nodes, sorted so that every value is written before it is read.</summary>
    public IList<OnnxNode> Nodes { get; } = new List<OnnxNode>();

    /// <summary>The constant tensors, each named after the value it provides.</summary>
    public IList<OnnxTensor> Initializers { get; } = new List<OnnxTensor>();

    /// <summary>The graph's inputs.</summary>
    public IList<OnnxValueInfo> Inputs { get; } = new List<OnnxValueInfo>();

    /// <summary>The graph's outputs.</summary>
    public IList<OnnxValueInfo> Outputs { get; } = new List<OnnxValueInfo>();

    /// <summary>Declarations of intermediate values (optional in ONNX).</summary>
    public IList<OnnxValueInfo> ValueInfos { get; } = new List<OnnxValueInfo>();
}
