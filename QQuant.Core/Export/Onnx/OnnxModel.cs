namespace QQuant.Export.Onnx;

/// <summary>
/// An ONNX model: the IR version, the operator sets it imports, who produced it, its graph and free-form metadata.
/// The defaults fit the standard operator set 21 (IR version 10), which is what QQuant's QDQ export targets.
/// </summary>
public sealed class OnnxModel
{
    /// <summary>The IR version ONNX 1.16 introduced with operator set 21.</summary>
    public const long DefaultIrVersion = 10;

    /// <summary>Creates a model around <paramref name="graph"/>; add at least one operator set to <see cref="OpsetImports"/>.</summary>
    public OnnxModel(OnnxGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        Graph = graph;
    }

    /// <summary>The graph the model evaluates.</summary>
    public OnnxGraph Graph { get; }

    /// <summary>The IR version (<c>ir_version</c>); <see cref="DefaultIrVersion"/> unless set.</summary>
    public long IrVersion { get; set; } = DefaultIrVersion;

    /// <summary>The operator sets the graph's nodes bind to.</summary>
    public IList<OnnxOpsetImport> OpsetImports { get; } = new List<OnnxOpsetImport>();

    /// <summary>The tool that wrote the model ("" for none).</summary>
    public string ProducerName { get; set; } = "";

    /// <summary>The version of that tool ("" for none).</summary>
    public string ProducerVersion { get; set; } = "";

    /// <summary>A human-readable description ("" for none).</summary>
    public string DocString { get; set; } = "";

    /// <summary>Free-form metadata (<c>metadata_props</c>), in order; keys should be distinct.</summary>
    public IList<KeyValuePair<string, string>> MetadataProps { get; } = new List<KeyValuePair<string, string>>();
}
