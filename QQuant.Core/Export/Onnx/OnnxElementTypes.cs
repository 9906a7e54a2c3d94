namespace QQuant.Export.Onnx;

/// <summary>The storage sizes of the ONNX element types in <c>raw_data</c>.</summary>
internal static class OnnxElementTypes
{
    /// <summary>The bits one element takes, or null for a type whose size this object model does not know.</summary>
    public static int? Bits(OnnxDataType type) => type switch
    {
        OnnxDataType.UInt4 or OnnxDataType.Int4 => 4,
        OnnxDataType.UInt8 or OnnxDataType.Int8 or OnnxDataType.Bool => 8,
        OnnxDataType.UInt16 or OnnxDataType.Int16 or OnnxDataType.Float16 => 16,
        OnnxDataType.Float or OnnxDataType.Int32 or OnnxDataType.UInt32 => 32,
        OnnxDataType.Int64 or OnnxDataType.UInt64 or OnnxDataType.Double => 64,
        _ => null,
    };

    /// <summary>The bytes <paramref name="count"/> elements take (4-bit types round up to whole bytes), or null when the size is unknown.</summary>
    public static long? ByteCount(OnnxDataType type, long count) => Bits(type) is { } bits ? (count * bits + 7) / 8 : null;
}
