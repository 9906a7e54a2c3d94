using System.Buffers.Binary;

namespace QQuant.Export.Onnx;

/// <summary>
/// A constant tensor of an ONNX model (an initializer or a tensor attribute): its name, shape, element type and
/// content as raw little-endian bytes, exactly as ONNX's <c>raw_data</c> stores it. 4-bit types are packed two per
/// byte, low nibble first. The content is checked against the shape when the tensor is created.
/// </summary>
public sealed class OnnxTensor
{
    private readonly byte[] _rawData;

    /// <summary>Creates a tensor from its raw little-endian bytes, which are copied.</summary>
    /// <param name="name">The tensor's name (an initializer's value name; may be empty in an attribute).</param>
    /// <param name="dataType">The element type.</param>
    /// <param name="dims">The shape; empty for a scalar. Every dimension must be zero or more.</param>
    /// <param name="rawData">The content: as many bytes as the shape's element count needs for <paramref name="dataType"/>.</param>
    /// <exception cref="ArgumentException">A dimension is negative, the byte count does not fit the shape and type, or the type is <see cref="OnnxDataType.Undefined"/> or <see cref="OnnxDataType.String"/>.</exception>
    public OnnxTensor(string name, OnnxDataType dataType, IEnumerable<long> dims, ReadOnlySpan<byte> rawData)
        : this(name, dataType, dims.ToArray(), rawData.ToArray())
    {
    }

    private OnnxTensor(string name, OnnxDataType dataType, long[] dims, byte[] rawData)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (dataType is OnnxDataType.Undefined or OnnxDataType.String)
        {
            throw new ArgumentException($"Tensor '{name}': {dataType} tensors are not supported; use a numeric element type.", nameof(dataType));
        }

        Name = name;
        DataType = dataType;
        Dims = dims;
        ElementCount = CountElements(name, dims);
        long? expected = OnnxElementTypes.ByteCount(dataType, ElementCount);
        if (expected is { } bytes && bytes != rawData.Length)
        {
            throw new ArgumentException(
                $"Tensor '{name}' of shape [{string.Join(", ", dims)}] holds {ElementCount} {dataType} values, which take {bytes} bytes, but {rawData.Length} bytes were given.",
                nameof(rawData));
        }

        _rawData = rawData;
    }

    /// <summary>The tensor's name.</summary>
    public string Name { get; }

    /// <summary>The element type.</summary>
    public OnnxDataType DataType { get; }

    /// <summary>The shape; empty for a scalar.</summary>
    public IReadOnlyList<long> Dims { get; }

    /// <summary>The number of elements: the product of <see cref="Dims"/> (1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>The content as little-endian bytes (<c>raw_data</c>).</summary>
    public ReadOnlyMemory<byte> RawData => _rawData;

    /// <summary>A float32 tensor.</summary>
    /// <exception cref="ArgumentException">The number of values does not match <paramref name="dims"/>.</exception>
    public static OnnxTensor Floats(string name, long[] dims, ReadOnlySpan<float> values) =>
        FromValues(name, dims, OnnxDataType.Float, values, sizeof(float), BinaryPrimitives.WriteSingleLittleEndian);

    /// <summary>A signed 8-bit tensor.</summary>
    /// <exception cref="ArgumentException">The number of values does not match <paramref name="dims"/>.</exception>
    public static OnnxTensor Int8(string name, long[] dims, ReadOnlySpan<sbyte> values) =>
        FromValues(name, dims, OnnxDataType.Int8, values, 1, static (span, value) => span[0] = unchecked((byte)value));

    /// <summary>An unsigned 8-bit tensor.</summary>
    /// <exception cref="ArgumentException">The number of values does not match <paramref name="dims"/>.</exception>
    public static OnnxTensor UInt8(string name, long[] dims, ReadOnlySpan<byte> values) =>
        FromValues(name, dims, OnnxDataType.UInt8, values, 1, static (span, value) => span[0] = value);

    /// <summary>A signed 32-bit tensor.</summary>
    /// <exception cref="ArgumentException">The number of values does not match <paramref name="dims"/>.</exception>
    public static OnnxTensor Int32(string name, long[] dims, ReadOnlySpan<int> values) =>
        FromValues(name, dims, OnnxDataType.Int32, values, sizeof(int), BinaryPrimitives.WriteInt32LittleEndian);

    /// <summary>A signed 64-bit tensor.</summary>
    /// <exception cref="ArgumentException">The number of values does not match <paramref name="dims"/>.</exception>
    public static OnnxTensor Int64(string name, long[] dims, ReadOnlySpan<long> values) =>
        FromValues(name, dims, OnnxDataType.Int64, values, sizeof(long), BinaryPrimitives.WriteInt64LittleEndian);

    /// <summary>A signed 4-bit tensor: each value in [-8, 7], packed two per byte, low nibble first.</summary>
    /// <exception cref="ArgumentException">The number of values does not match <paramref name="dims"/>, or a value is out of range.</exception>
    public static OnnxTensor Int4(string name, long[] dims, ReadOnlySpan<sbyte> values)
    {
        var nibbles = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            nibbles[i] = values[i];
        }

        return FromNibbles(name, dims, OnnxDataType.Int4, nibbles, -8, 7);
    }

    /// <summary>An unsigned 4-bit tensor: each value in [0, 15], packed two per byte, low nibble first.</summary>
    /// <exception cref="ArgumentException">The number of values does not match <paramref name="dims"/>, or a value is out of range.</exception>
    public static OnnxTensor UInt4(string name, long[] dims, ReadOnlySpan<byte> values)
    {
        var nibbles = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            nibbles[i] = values[i];
        }

        return FromNibbles(name, dims, OnnxDataType.UInt4, nibbles, 0, 15);
    }

    /// <summary>Builds a tensor from raw bytes it takes over without copying (the reader's path).</summary>
    internal static OnnxTensor FromOwnedBytes(string name, OnnxDataType dataType, long[] dims, byte[] rawData) =>
        new(name, dataType, dims, rawData);

    /// <summary>The values as floats: for <see cref="OnnxDataType.Float"/>, <see cref="OnnxDataType.Float16"/> and <see cref="OnnxDataType.Double"/> (rounded) tensors.</summary>
    /// <exception cref="InvalidOperationException">The tensor holds another type.</exception>
    public float[] ToFloats()
    {
        var result = new float[ElementCount];
        ReadOnlySpan<byte> raw = _rawData;
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = DataType switch
            {
                OnnxDataType.Float => BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * i)..]),
                OnnxDataType.Float16 => (float)BinaryPrimitives.ReadHalfLittleEndian(raw[(2 * i)..]),
                OnnxDataType.Double => (float)BinaryPrimitives.ReadDoubleLittleEndian(raw[(8 * i)..]),
                _ => throw NotOfKind("floating-point"),
            };
        }

        return result;
    }

    /// <summary>The values as 32-bit integers: for every integer type and <see cref="OnnxDataType.Bool"/>.</summary>
    /// <exception cref="InvalidOperationException">The tensor holds a floating-point type.</exception>
    /// <exception cref="OverflowException">A 64-bit or unsigned 32-bit value does not fit.</exception>
    public int[] ToInt32s() => ToInt64s().Select(value => checked((int)value)).ToArray();

    /// <summary>The values as 64-bit integers: for every integer type and <see cref="OnnxDataType.Bool"/>.</summary>
    /// <exception cref="InvalidOperationException">The tensor holds a floating-point type.</exception>
    /// <exception cref="OverflowException">An unsigned 64-bit value does not fit.</exception>
    public long[] ToInt64s()
    {
        var result = new long[ElementCount];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = IntegerAt(i);
        }

        return result;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {DataType}[{string.Join(", ", Dims)}]";

    private long IntegerAt(int i)
    {
        ReadOnlySpan<byte> raw = _rawData;
        return DataType switch
        {
            OnnxDataType.Int8 => unchecked((sbyte)raw[i]),
            OnnxDataType.UInt8 or OnnxDataType.Bool => raw[i],
            OnnxDataType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(raw[(2 * i)..]),
            OnnxDataType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * i)..]),
            OnnxDataType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(raw[(4 * i)..]),
            OnnxDataType.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(raw[(4 * i)..]),
            OnnxDataType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(raw[(8 * i)..]),
            OnnxDataType.UInt64 => checked((long)BinaryPrimitives.ReadUInt64LittleEndian(raw[(8 * i)..])),
            OnnxDataType.UInt4 => Nibble(raw, i),
            OnnxDataType.Int4 => (Nibble(raw, i) ^ 8) - 8,
            _ => throw NotOfKind("integer"),
        };
    }

    private static int Nibble(ReadOnlySpan<byte> raw, int i) => (raw[i / 2] >> (4 * (i % 2))) & 0xF;

    private InvalidOperationException NotOfKind(string kind) =>
        new($"Tensor '{Name}' holds {DataType} values, not a {kind} type.");

    private static long CountElements(string name, long[] dims)
    {
        long count = 1;
        foreach (long dim in dims)
        {
            if (dim < 0)
            {
                throw new ArgumentException($"Tensor '{name}' has a negative dimension in [{string.Join(", ", dims)}].", nameof(dims));
            }

            count = checked(count * dim);
        }

        return count;
    }

    private delegate void ElementWriter<T>(Span<byte> destination, T value);

    private static OnnxTensor FromValues<T>(string name, long[] dims, OnnxDataType type, ReadOnlySpan<T> values, int size, ElementWriter<T> write)
    {
        CheckCount(name, dims, values.Length);
        var raw = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++)
        {
            write(raw.AsSpan(i * size, size), values[i]);
        }

        return new OnnxTensor(name, type, dims, raw);
    }

    private static OnnxTensor FromNibbles(string name, long[] dims, OnnxDataType type, int[] values, int min, int max)
    {
        CheckCount(name, dims, values.Length);
        var raw = new byte[(values.Length + 1) / 2];
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] < min || values[i] > max)
            {
                throw new ArgumentOutOfRangeException(nameof(values), values[i],
                    $"Tensor '{name}': value {i} is {values[i]}, outside the {type} range [{min}, {max}].");
            }

            raw[i / 2] |= (byte)((values[i] & 0xF) << (4 * (i % 2)));
        }

        return new OnnxTensor(name, type, dims, raw);
    }

    private static void CheckCount(string name, long[] dims, int count)
    {
        ArgumentNullException.ThrowIfNull(dims);
        long expected = CountElements(name, dims);
        if (expected != count)
        {
            throw new ArgumentException(
                $"Tensor '{name}' of shape [{string.Join(", ", dims)}] needs {expected} values, but {count} were given.", nameof(dims));
        }
    }
}
