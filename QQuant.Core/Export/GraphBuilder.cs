using QQuant.Export.Onnx;

namespace QQuant.Export;

/// <summary>
/// The graph an export builds: nodes in topological order (emission order), initializers, unique names. Nodes stay
/// editable until <see cref="Build"/>, so BatchNorm can be folded into the convolution before it.
/// </summary>
internal sealed class GraphBuilder
{
    private readonly List<PendingNode> _nodes = [];
    private readonly List<OnnxTensor> _initializers = [];
    private readonly Dictionary<string, OnnxTensor> _initializerByName = [];
    private readonly HashSet<string> _names = [];

    /// <summary>A node that can still be edited.</summary>
    public sealed class PendingNode(string opType, string name, string[] inputs, string[] outputs, OnnxAttribute[] attributes, string domain)
    {
        public string OpType { get; } = opType;
        public string Name { get; } = name;
        public string[] Inputs { get; } = inputs;
        public string[] Outputs { get; } = outputs;
        public OnnxAttribute[] Attributes { get; } = attributes;
        public string Domain { get; } = domain;
    }

    public IReadOnlyList<PendingNode> Nodes => _nodes;

    /// <summary>A name not used yet, made from <paramref name="hint"/>.</summary>
    public string Unique(string hint)
    {
        string name = hint.Length == 0 ? "value" : hint;
        for (int i = 1; !_names.Add(name); i++)
        {
            name = $"{hint}_{i}";
        }

        return name;
    }

    /// <summary>Adds a node with one output named after <paramref name="hint"/> and returns that output's name.</summary>
    public string Add(string opType, string hint, IReadOnlyList<string> inputs, params OnnxAttribute[] attributes) =>
        AddNode(opType, hint, inputs, attributes, "").Outputs[0];

    /// <summary>Adds a node and returns it (for a domain or later edits).</summary>
    public PendingNode AddNode(string opType, string hint, IReadOnlyList<string> inputs, OnnxAttribute[] attributes, string domain) =>
        AddNamed(opType, Unique(hint), inputs, attributes, domain);

    /// <summary>Adds a node whose output is <paramref name="output"/>, a name <see cref="Reserve"/>d for it.</summary>
    public PendingNode AddNamed(string opType, string output, IReadOnlyList<string> inputs, OnnxAttribute[] attributes, string domain)
    {
        var node = new PendingNode(opType, Unique($"{output}/{opType}"), [.. inputs], [output], attributes, domain);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Keeps <paramref name="name"/> (the graph's input or output) from being given to any other value.</summary>
    public void Reserve(string name)
    {
        if (!_names.Add(name))
        {
            throw new ArgumentException($"The name '{name}' is taken.", nameof(name));
        }
    }

    /// <summary>
    /// Puts <paramref name="insert"/> (nodes just added, which read <paramref name="value"/>) right after the node that
    /// produces <paramref name="value"/>, and makes every other reader of <paramref name="value"/> read
    /// <paramref name="replacement"/> instead.
    /// </summary>
    public void Splice(string value, IReadOnlyList<PendingNode> insert, string replacement)
    {
        foreach (PendingNode node in _nodes.Except(insert))
        {
            for (int i = 0; i < node.Inputs.Length; i++)
            {
                node.Inputs[i] = node.Inputs[i] == value ? replacement : node.Inputs[i];
            }
        }

        _nodes.RemoveAll(insert.Contains);
        _nodes.InsertRange(_nodes.FindIndex(n => n.Outputs.Contains(value)) + 1, insert);
    }

    /// <summary>Moves <paramref name="node"/> (just added) to right before <paramref name="anchor"/>, which will read its output.</summary>
    public void MoveBefore(PendingNode node, PendingNode anchor)
    {
        _nodes.Remove(node);
        _nodes.Insert(_nodes.IndexOf(anchor), node);
    }

    /// <summary>Removes the initializer called <paramref name="name"/>, which no node reads any longer.</summary>
    public void RemoveInitializer(string name)
    {
        _initializers.RemoveAll(t => t.Name == name);
        _initializerByName.Remove(name);
    }

    /// <summary>The nodes that read <paramref name="value"/>.</summary>
    public IEnumerable<PendingNode> Readers(string value) => _nodes.Where(n => n.Inputs.Contains(value));

    /// <summary>Adds an initializer named after <paramref name="hint"/> and returns its name.</summary>
    public string Initializer(string hint, Func<string, OnnxTensor> create)
    {
        OnnxTensor tensor = create(Unique(hint));
        _initializers.Add(tensor);
        _initializerByName[tensor.Name] = tensor;
        return tensor.Name;
    }

    /// <summary>Replaces the initializer of the same name.</summary>
    public void Replace(OnnxTensor tensor)
    {
        int index = _initializers.FindIndex(t => t.Name == tensor.Name);
        _initializers[index] = tensor;
        _initializerByName[tensor.Name] = tensor;
    }

    /// <summary>The initializer called <paramref name="name"/>, or null.</summary>
    public OnnxTensor? FindInitializer(string name) => _initializerByName.GetValueOrDefault(name);

    /// <summary>The graph with one <paramref name="input"/> and one <paramref name="output"/>.</summary>
    public OnnxGraph Build(string name, OnnxValueInfo input, OnnxValueInfo output)
    {
        var graph = new OnnxGraph(name);
        foreach (PendingNode pending in _nodes)
        {
            var node = new OnnxNode(pending.OpType, pending.Inputs, pending.Outputs, pending.Name, pending.Domain);
            pending.Attributes.ToList().ForEach(node.Attributes.Add);
            graph.Nodes.Add(node);
        }

        _initializers.ForEach(graph.Initializers.Add);
        graph.Inputs.Add(input);
        graph.Outputs.Add(output);
        return graph;
    }

    /// <summary>An integer initializer in an ONNX container type (8-bit or packed 4-bit).</summary>
    public static OnnxTensor Integers(string name, OnnxDataType type, long[] dims, int[] values) => type switch
    {
        OnnxDataType.Int8 => OnnxTensor.Int8(name, dims, values.Select(v => checked((sbyte)v)).ToArray()),
        OnnxDataType.UInt8 => OnnxTensor.UInt8(name, dims, values.Select(v => checked((byte)v)).ToArray()),
        OnnxDataType.Int4 => OnnxTensor.Int4(name, dims, values.Select(v => checked((sbyte)v)).ToArray()),
        OnnxDataType.UInt4 => OnnxTensor.UInt4(name, dims, values.Select(v => checked((byte)v)).ToArray()),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "An integer container is int8, uint8, int4 or uint4."),
    };
}
