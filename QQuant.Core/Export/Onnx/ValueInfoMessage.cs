using F = QQuant.Export.Onnx.OnnxFields;

namespace QQuant.Export.Onnx;

/// <summary>Decodes a <c>ValueInfoProto</c> whose type is a tensor type (or absent).</summary>
internal sealed class ValueInfoMessage : ProtoMessage<OnnxValueInfo>
{
    private string _name = "";
    private TensorType _type = new(OnnxDataType.Undefined, null);

    protected override bool ReadField(ref ProtoReader reader, int field, WireType type)
    {
        if (field == F.ValueInfo.Name)
        {
            _name = reader.String(field, type);
        }
        else if (field == F.ValueInfo.Type)
        {
            _type = new TypeMessage(_name).Read(reader.Message(field, type, "TypeProto"));
        }

        return field is F.ValueInfo.Name or F.ValueInfo.Type;
    }

    protected override OnnxValueInfo Build(ProtoReader reader) => _name.Length == 0
        ? throw reader.Error("a value has no name", 0)
        : new OnnxValueInfo(_name, _type.ElementType, _type.Shape);

    private sealed record TensorType(OnnxDataType ElementType, List<OnnxDimension>? Shape);

    /// <summary><c>TypeProto</c>: its tensor case; the other cases are refused by name.</summary>
    private sealed class TypeMessage(string value) : ProtoMessage<TensorType>
    {
        private TensorType _type = new(OnnxDataType.Undefined, null);

        protected override bool ReadField(ref ProtoReader reader, int field, WireType type)
        {
            if (field is F.Type.SequenceType or F.Type.MapType or F.Type.SparseTensorType or F.Type.OptionalType)
            {
                throw reader.Error($"value '{value}' is not a tensor (type case {field}); QQuant's ONNX reader supports tensor values only", 0);
            }

            if (field == F.Type.TensorType)
            {
                _type = new TensorTypeMessage().Read(reader.Message(field, type, "TypeProto.Tensor"));
            }

            return field == F.Type.TensorType;
        }

        protected override TensorType Build(ProtoReader reader) => _type;
    }

    private sealed class TensorTypeMessage : ProtoMessage<TensorType>
    {
        private OnnxDataType _elementType;
        private List<OnnxDimension>? _shape;

        protected override bool ReadField(ref ProtoReader reader, int field, WireType type)
        {
            if (field == F.TensorType.ElemType)
            {
                _elementType = (OnnxDataType)reader.Int64(field, type);
            }
            else if (field == F.TensorType.Shape)
            {
                _shape = new ShapeMessage().Read(reader.Message(field, type, "TensorShapeProto"));
            }

            return field is F.TensorType.ElemType or F.TensorType.Shape;
        }

        protected override TensorType Build(ProtoReader reader) => new(_elementType, _shape);
    }

    private sealed class ShapeMessage : ProtoMessage<List<OnnxDimension>>
    {
        private readonly List<OnnxDimension> _dims = [];

        protected override bool ReadField(ref ProtoReader reader, int field, WireType type)
        {
            if (field == F.Shape.Dim)
            {
                _dims.Add(new DimensionMessage().Read(reader.Message(field, type, "TensorShapeProto.Dimension")));
            }

            return field == F.Shape.Dim;
        }

        protected override List<OnnxDimension> Build(ProtoReader reader) => _dims;
    }

    private sealed class DimensionMessage : ProtoMessage<OnnxDimension>
    {
        private OnnxDimension _dim = OnnxDimension.Unknown;

        protected override bool ReadField(ref ProtoReader reader, int field, WireType type)
        {
            if (field == F.Dimension.Value)
            {
                _dim = OnnxDimension.Of(reader.Int64(field, type));
            }
            else if (field == F.Dimension.Param)
            {
                string symbol = reader.String(field, type);
                _dim = symbol.Length == 0 ? OnnxDimension.Unknown : OnnxDimension.Named(symbol);
            }

            return field is F.Dimension.Value or F.Dimension.Param;
        }

        protected override OnnxDimension Build(ProtoReader reader) => _dim;
    }
}
