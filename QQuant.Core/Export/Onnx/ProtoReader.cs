using System.Buffers.Binary;
using System.Text;

namespace QQuant.Export.Onnx;

/// <summary>
/// Reads the fields of one protobuf message from a span. Every read checks the bounds, so truncated or malformed
/// input ends in an <see cref="OnnxFormatException"/> that names the message and the byte offset in the file.
/// </summary>
internal ref struct ProtoReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private const ulong MaxField = (1 << 29) - 1;

    private readonly ReadOnlySpan<byte> _data;
    private readonly long _offset;
    private readonly string _message;
    private int _position;

    /// <summary>A reader of <paramref name="data"/>, which holds a <paramref name="message"/> starting at byte <paramref name="offset"/> of the file.</summary>
    public ProtoReader(ReadOnlySpan<byte> data, string message, long offset = 0)
    {
        _data = data;
        _message = message;
        _offset = offset;
        _position = 0;
    }

    /// <summary>Whether every field has been read.</summary>
    public readonly bool AtEnd => _position >= _data.Length;

    /// <summary>The next field's number and wire type.</summary>
    public (int Field, WireType Type) ReadTag()
    {
        long at = _position;
        ulong tag = ReadVarint();
        int type = (int)(tag & 7);
        ulong field = tag >> 3;
        if (type is not ((int)WireType.Varint or (int)WireType.Fixed64 or (int)WireType.LengthDelimited or (int)WireType.Fixed32))
        {
            throw Error($"field {field} has wire type {type}, which ONNX does not use", at);
        }

        if (field is 0 or > MaxField)
        {
            throw Error($"field number {field} is not valid", at);
        }

        return ((int)field, (WireType)type);
    }

    /// <summary>Checks that field <paramref name="field"/> came with the wire type its declaration gives.</summary>
    public readonly void Expect(int field, WireType actual, WireType expected)
    {
        if (actual != expected)
        {
            throw Error($"field {field} has wire type {(int)actual}, but it is declared with wire type {(int)expected}", _position);
        }
    }

    /// <summary>A varint of up to ten bytes.</summary>
    public ulong ReadVarint()
    {
        ulong result = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _data.Length)
            {
                throw Error("a number runs past the end of the message (truncated)", _position);
            }

            byte b = _data[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }

        throw Error("a number is longer than ten bytes", _position);
    }

    /// <summary>A varint read as a signed 64-bit integer.</summary>
    public long ReadInt64() => unchecked((long)ReadVarint());

    /// <summary>Four little-endian bytes.</summary>
    public uint ReadFixed32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    /// <summary>Eight little-endian bytes.</summary>
    public ulong ReadFixed64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    /// <summary>A length-delimited field's content.</summary>
    public ReadOnlySpan<byte> ReadBytes()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
        {
            throw Error($"a field of {length} bytes runs past the end of the message ({_data.Length - _position} bytes left; truncated)", _position);
        }

        return Take((int)length);
    }

    /// <summary>A length-delimited field's content as strict UTF-8.</summary>
    public string ReadString()
    {
        int at = _position;
        ReadOnlySpan<byte> bytes = ReadBytes();
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Error("a string is not valid UTF-8", at);
        }
    }

    /// <summary>A nested message's reader: the length-delimited content, with offsets that stay relative to the file.</summary>
    public ProtoReader ReadMessage(string message)
    {
        ReadOnlySpan<byte> content = ReadBytes();
        return new ProtoReader(content, message, _offset + _position - content.Length);
    }

    /// <summary>A varint field (int32, int64, enum), after checking its wire type.</summary>
    public long Int64(int field, WireType type)
    {
        Expect(field, type, WireType.Varint);
        return ReadInt64();
    }

    /// <summary>A fixed32 float field, after checking its wire type.</summary>
    public float Float(int field, WireType type)
    {
        Expect(field, type, WireType.Fixed32);
        return BitConverter.UInt32BitsToSingle(ReadFixed32());
    }

    /// <summary>A string field, after checking its wire type.</summary>
    public string String(int field, WireType type)
    {
        Expect(field, type, WireType.LengthDelimited);
        return ReadString();
    }

    /// <summary>A bytes field, copied, after checking its wire type.</summary>
    public byte[] Bytes(int field, WireType type)
    {
        Expect(field, type, WireType.LengthDelimited);
        return ReadBytes().ToArray();
    }

    /// <summary>A nested message field's reader, after checking its wire type.</summary>
    public ProtoReader Message(int field, WireType type, string message)
    {
        Expect(field, type, WireType.LengthDelimited);
        return ReadMessage(message);
    }

    /// <summary>Passes over a field of an unknown number.</summary>
    public void Skip(WireType type)
    {
        switch (type)
        {
            case WireType.Varint:
                ReadVarint();
                break;
            case WireType.Fixed64:
                Take(8);
                break;
            case WireType.LengthDelimited:
                ReadBytes();
                break;
            default:
                Take(4);
                break;
        }
    }

    /// <summary>Reads a repeated scalar field that may come packed (one length-delimited run) or one value per field.</summary>
    public void ReadRepeated<T>(int field, WireType actual, WireType element, List<T> into, Func<ulong, T> convert)
    {
        if (actual == WireType.LengthDelimited)
        {
            ProtoReader packed = ReadMessage(_message);
            while (!packed.AtEnd)
            {
                into.Add(convert(packed.ReadScalar(element)));
            }
        }
        else
        {
            Expect(field, actual, element);
            into.Add(convert(ReadScalar(element)));
        }
    }

    /// <summary>An error at byte <paramref name="position"/> of this message.</summary>
    public readonly OnnxFormatException Error(string what, long position) =>
        new($"{_message} at byte {_offset + position}: {what}.");

    private ulong ReadScalar(WireType type) => type switch
    {
        WireType.Varint => ReadVarint(),
        WireType.Fixed32 => ReadFixed32(),
        _ => ReadFixed64(),
    };

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _data.Length - _position)
        {
            throw Error($"a field of {count} bytes runs past the end of the message (truncated)", _position);
        }

        ReadOnlySpan<byte> result = _data.Slice(_position, count);
        _position += count;
        return result;
    }
}
