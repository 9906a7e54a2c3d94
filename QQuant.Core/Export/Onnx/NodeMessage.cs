using F = QQuant.Export.Onnx.OnnxFields;

namespace QQuant.Export.Onnx;

/// <summary>Decodes a <c>NodeProto</c>.</summary>
internal sealed class NodeMessage : ProtoMessage<OnnxNode>
{
    private readonly List<string> _inputs = [], _outputs = [];
    private readonly List<OnnxAttribute> _attributes = [];
    private string _name = "", _opType = "", _domain = "";

    protected override bool ReadField(ref ProtoReader reader, int field, WireType type)
    {
        switch (field)
        {
            case F.Node.Input:
                _inputs.Add(reader.String(field, type));
                break;
            case F.Node.Output:
                _outputs.Add(reader.String(field, type));
                break;
            case F.Node.Name:
                _name = reader.String(field, type);
                break;
            case F.Node.OpType:
                _opType = reader.String(field, type);
                break;
            case F.Node.Attribute:
                _attributes.Add(new AttributeMessage().Read(reader.Message(field, type, "AttributeProto")));
                break;
            case F.Node.Domain:
                _domain = reader.String(field, type);
                break;
            default:
                return false;
        }

        return true;
    }

    protected override OnnxNode Build(ProtoReader reader)
    {
        if (_opType.Length == 0)
        {
            throw reader.Error($"node '{_name}' has no operator type", 0);
        }

        var node = new OnnxNode(_opType, _inputs, _outputs, _name, _domain);
        _attributes.ForEach(node.Attributes.Add);
        return node;
    }
}
