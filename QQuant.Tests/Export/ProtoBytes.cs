using System.Buffers.Binary;
using System.Text;

namespace QQuant.Tests.Export;

/// <summary>
/// A protobuf encoder for hand-made test inputs, independent of the writer under test: each method returns the bytes
/// of one field, and a message is the concatenation of its fields.
/// </summary>
internal static class ProtoBytes
{
    public static byte[] Varint(int field, long value) => [.. Tag(field, 0), .. VarintBytes(unchecked((ulong)value))];

    public static byte[] Fixed64(int field, ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return [.. Tag(field, 1), .. bytes];
    }

    public static byte[] Fixed32(int field, float value) => [.. Tag(field, 5), .. FloatBytes(value)];

    public static byte[] Bytes(int field, params byte[][] content)
    {
        byte[] body = content.SelectMany(b => b).ToArray();
        return [.. Tag(field, 2), .. VarintBytes((ulong)body.Length), .. body];
    }

    public static byte[] String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>A packed repeated varint field.</summary>
    public static byte[] PackedVarints(int field, params long[] values) =>
        Bytes(field, values.Select(v => VarintBytes(unchecked((ulong)v))).ToArray());

    /// <summary>A packed repeated float field.</summary>
    public static byte[] PackedFloats(int field, params float[] values) =>
        Bytes(field, values.Select(FloatBytes).ToArray());

    private static byte[] FloatBytes(float value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        return bytes;
    }

    private static byte[] Tag(int field, int wireType) => VarintBytes(((ulong)field << 3) | (uint)wireType);

    private static byte[] VarintBytes(ulong value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        bytes.Add((byte)value);
        return [.. bytes];
    }
}
