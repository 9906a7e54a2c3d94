using F = QQuant.Export.Onnx.OnnxFields;

namespace QQuant.Export.Onnx;

/// <summary>Decodes an <c>AttributeProto</c> of one of the kinds <see cref="OnnxAttributeType"/> names.</summary>
internal sealed class AttributeMessage : ProtoMessage<OnnxAttribute>
{
    private readonly List<float> _floats = [];
    private readonly List<long> _ints = [];
    private string _name = "";
    private long _kind, _int;
    private float _float;
    private string? _string;
    private OnnxTensor? _tensor;

    protected override bool ReadField(ref ProtoReader reader, int field, WireType type)
    {
        switch (field)
        {
            case F.Attribute.Name:
                _name = reader.String(field, type);
                break;
            case F.Attribute.Type:
                _kind = reader.Int64(field, type);
                break;
            case F.Attribute.F:
                _float = reader.Float(field, type);
                break;
            case F.Attribute.I:
                _int = reader.Int64(field, type);
                break;
            case F.Attribute.S:
                _string = reader.String(field, type);
                break;
            case F.Attribute.T:
                _tensor = new TensorMessage().Read(reader.Message(field, type, "TensorProto"));
                break;
            case F.Attribute.Floats:
                reader.ReadRepeated(field, type, WireType.Fixed32, _floats, static v => BitConverter.UInt32BitsToSingle((uint)v));
                break;
            case F.Attribute.Ints:
                reader.ReadRepeated(field, type, WireType.Varint, _ints, static v => unchecked((long)v));
                break;
            default:
                return false;
        }

        return true;
    }

    protected override OnnxAttribute Build(ProtoReader reader)
    {
        if (_name.Length == 0)
        {
            throw reader.Error("an attribute has no name", 0);
        }

        return (OnnxAttributeType)_kind switch
        {
            OnnxAttributeType.Float => OnnxAttribute.Float(_name, _float),
            OnnxAttributeType.Int => OnnxAttribute.Int(_name, _int),
            OnnxAttributeType.String => OnnxAttribute.String(_name, _string ?? ""),
            OnnxAttributeType.Tensor => OnnxAttribute.Tensor(_name, _tensor ?? throw reader.Error($"tensor attribute '{_name}' has no tensor", 0)),
            OnnxAttributeType.Floats => OnnxAttribute.Floats(_name, _floats),
            OnnxAttributeType.Ints => OnnxAttribute.Ints(_name, _ints),
            _ => throw reader.Error($"attribute '{_name}' has the type {_kind}; QQuant's ONNX reader supports FLOAT (1), INT (2), STRING (3), TENSOR (4), FLOATS (6) and INTS (7)", 0),
        };
    }
}
