using F = QQuant.Export.Onnx.OnnxFields;

namespace QQuant.Export.Onnx;

/// <summary>Decodes a <c>GraphProto</c>.</summary>
internal sealed class GraphMessage : ProtoMessage<OnnxGraph>
{
    private readonly List<OnnxNode> _nodes = [];
    private readonly List<OnnxTensor> _initializers = [];
    private readonly List<OnnxValueInfo> _inputs = [], _outputs = [], _valueInfos = [];
    private string _name = "", _docString = "";

    protected override bool ReadField(ref ProtoReader reader, int field, WireType type)
    {
        switch (field)
        {
            case F.Graph.Node:
                _nodes.Add(new NodeMessage().Read(reader.Message(field, type, "NodeProto")));
                break;
            case F.Graph.Name:
                _name = reader.String(field, type);
                break;
            case F.Graph.Initializer:
                _initializers.Add(new TensorMessage().Read(reader.Message(field, type, "TensorProto")));
                break;
            case F.Graph.DocString:
                _docString = reader.String(field, type);
                break;
            case F.Graph.Input or F.Graph.Output or F.Graph.ValueInfo:
                List<OnnxValueInfo> into = field == F.Graph.Input ? _inputs : field == F.Graph.Output ? _outputs : _valueInfos;
                into.Add(new ValueInfoMessage().Read(reader.Message(field, type, "ValueInfoProto")));
                break;
            default:
                return false;
        }

        return true;
    }

    protected override OnnxGraph Build(ProtoReader reader)
    {
        var graph = new OnnxGraph(_name) { DocString = _docString };
        _nodes.ForEach(graph.Nodes.Add);
        _initializers.ForEach(graph.Initializers.Add);
        _inputs.ForEach(graph.Inputs.Add);
        _outputs.ForEach(graph.Outputs.Add);
        _valueInfos.ForEach(graph.ValueInfos.Add);
        return graph;
    }
}
