using System.Buffers.Binary;
using F = QQuant.Export.Onnx.OnnxFields;

namespace QQuant.Export.Onnx;

/// <summary>
/// Decodes a <c>TensorProto</c>. The content may come as <c>raw_data</c> or in the typed fields (<c>float_data</c>,
/// <c>int32_data</c>, <c>int64_data</c>, <c>double_data</c>, <c>uint64_data</c>), which are turned into raw bytes here
/// once the data type (which may come after them) is known. 4-bit types keep one packed byte per <c>int32_data</c> entry.
/// </summary>
internal sealed class TensorMessage : ProtoMessage<OnnxTensor>
{
    private readonly List<long> _dims = [], _integers = [];
    private readonly List<double> _reals = [];
    private OnnxDataType _dataType;
    private string _name = "";
    private byte[]? _raw;

    protected override bool ReadField(ref ProtoReader reader, int field, WireType type)
    {
        switch (field)
        {
            case F.Tensor.Dims:
                reader.ReadRepeated(field, type, WireType.Varint, _dims, static v => unchecked((long)v));
                break;
            case F.Tensor.DataType:
                _dataType = (OnnxDataType)reader.Int64(field, type);
                break;
            case F.Tensor.Name:
                _name = reader.String(field, type);
                break;
            case F.Tensor.RawData:
                _raw = reader.Bytes(field, type);
                break;
            case F.Tensor.FloatData:
                reader.ReadRepeated(field, type, WireType.Fixed32, _reals, static v => (double)BitConverter.UInt32BitsToSingle((uint)v));
                break;
            case F.Tensor.DoubleData:
                reader.ReadRepeated(field, type, WireType.Fixed64, _reals, BitConverter.UInt64BitsToDouble);
                break;
            case F.Tensor.Int32Data or F.Tensor.Int64Data or F.Tensor.UInt64Data:
                reader.ReadRepeated(field, type, WireType.Varint, _integers, static v => unchecked((long)v));
                break;
            case F.Tensor.StringData:
                throw reader.Error($"tensor '{_name}' holds strings, which QQuant's ONNX reader does not support", 0);
            case F.Tensor.ExternalData or F.Tensor.DataLocation:
                throw reader.Error($"tensor '{_name}' keeps its data in an external file, which QQuant's ONNX reader does not support", 0);
            default:
                return false;
        }

        return true;
    }

    protected override OnnxTensor Build(ProtoReader reader)
    {
        try
        {
            return OnnxTensor.FromOwnedBytes(_name, _dataType, _dims.ToArray(), _raw ?? TypedToRaw());
        }
        catch (ArgumentException e)
        {
            throw reader.Error(e.Message.TrimEnd('.'), 0);
        }
    }

    private byte[] TypedToRaw()
    {
        bool real = _dataType is OnnxDataType.Float or OnnxDataType.Double;
        if ((real ? _integers.Count : _reals.Count) > 0)
        {
            throw new ArgumentException($"Tensor '{_name}' of type {_dataType} has its values in a field that is not for that type.");
        }

        int size = _dataType is OnnxDataType.Int4 or OnnxDataType.UInt4
            ? 1
            : (OnnxElementTypes.Bits(_dataType) ?? throw new ArgumentException($"Tensor '{_name}' has the element type {(int)_dataType}, whose size QQuant does not know.")) / 8;
        int count = real ? _reals.Count : _integers.Count;
        var raw = new byte[count * size];
        Span<byte> value = stackalloc byte[8];
        for (int i = 0; i < count; i++)
        {
            if (_dataType == OnnxDataType.Float)
            {
                BinaryPrimitives.WriteSingleLittleEndian(value, (float)_reals[i]);
            }
            else if (real)
            {
                BinaryPrimitives.WriteDoubleLittleEndian(value, _reals[i]);
            }
            else
            {
                BinaryPrimitives.WriteInt64LittleEndian(value, _integers[i]);
            }

            value[..size].CopyTo(raw.AsSpan(i * size));
        }

        return raw;
    }
}
