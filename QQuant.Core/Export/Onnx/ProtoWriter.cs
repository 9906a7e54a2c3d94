using System.Buffers.Binary;
using System.Text;

namespace QQuant.Export.Onnx;

/// <summary>
/// Writes protobuf fields to a stream, or, without a stream, only counts the bytes they take. A nested message is
/// written by first running its body on a counting writer for the length prefix, then on this one, so nothing is
/// buffered twice.
/// </summary>
internal sealed class ProtoWriter
{
    private readonly Stream? _stream;

    private ProtoWriter(Stream? stream) => _stream = stream;

    /// <summary>The bytes written (or counted) so far.</summary>
    public long Length { get; private set; }

    /// <summary>A writer to <paramref name="stream"/>.</summary>
    public static ProtoWriter To(Stream stream) => new(stream);

    /// <summary>The bytes <paramref name="body"/> writes for <paramref name="value"/>.</summary>
    public static long SizeOf<T>(T value, Action<ProtoWriter, T> body)
    {
        var counter = new ProtoWriter(null);
        body(counter, value);
        return counter.Length;
    }

    /// <summary>A varint field (int32, int64, enum); negative numbers take ten bytes, as protobuf specifies.</summary>
    public void Int64(int field, long value)
    {
        Tag(field, WireType.Varint);
        Varint(unchecked((ulong)value));
    }

    /// <summary>A fixed32 float field.</summary>
    public void Float(int field, float value)
    {
        Tag(field, WireType.Fixed32);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        Raw(bytes);
    }

    /// <summary>A UTF-8 string field (written even when empty: a repeated entry or a present optional).</summary>
    public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>A string field left out when empty (proto's default).</summary>
    public void StringIfAny(int field, string value)
    {
        if (value.Length > 0)
        {
            String(field, value);
        }
    }

    /// <summary>A bytes field.</summary>
    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, WireType.LengthDelimited);
        Varint((ulong)value.Length);
        Raw(value);
    }

    /// <summary>A nested message field whose content <paramref name="body"/> writes.</summary>
    public void Message<T>(int field, T value, Action<ProtoWriter, T> body)
    {
        Tag(field, WireType.LengthDelimited);
        Varint((ulong)SizeOf(value, body));
        body(this, value);
    }

    /// <summary>One message field per item.</summary>
    public void Messages<T>(int field, IEnumerable<T> values, Action<ProtoWriter, T> body)
    {
        foreach (T value in values)
        {
            Message(field, value, body);
        }
    }

    private void Tag(int field, WireType type) => Varint(((ulong)field << 3) | (ulong)type);

    private void Varint(ulong value)
    {
        Span<byte> bytes = stackalloc byte[10];
        int count = 0;
        while (value >= 0x80)
        {
            bytes[count++] = (byte)(value | 0x80);
            value >>= 7;
        }

        bytes[count++] = (byte)value;
        Raw(bytes[..count]);
    }

    private void Raw(ReadOnlySpan<byte> bytes)
    {
        _stream?.Write(bytes);
        Length += bytes.Length;
    }
}
