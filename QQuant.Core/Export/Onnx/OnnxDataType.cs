namespace QQuant.Export.Onnx;

/// <summary>
/// The element types of ONNX tensors, numbered as <c>TensorProto.DataType</c> in <c>onnx.proto</c>. The numbers are
/// written to the file as they are, so a value read from a model that is not named here survives a round trip.
/// </summary>
public enum OnnxDataType
{
    /// <summary>No type (0); not valid on a tensor.</summary>
    Undefined = 0,

    /// <summary>32-bit IEEE 754 float.</summary>
    Float = 1,

    /// <summary>Unsigned 8-bit integer.</summary>
    UInt8 = 2,

    /// <summary>Signed 8-bit integer.</summary>
    Int8 = 3,

    /// <summary>Unsigned 16-bit integer.</summary>
    UInt16 = 4,

    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 5,

    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 6,

    /// <summary>Signed 64-bit integer.</summary>
    Int64 = 7,

    /// <summary>UTF-8 string (not supported in tensors by this object model).</summary>
    String = 8,

    /// <summary>Boolean, one byte per element (0 or 1).</summary>
    Bool = 9,

    /// <summary>IEEE 754 half-precision float.</summary>
    Float16 = 10,

    /// <summary>64-bit IEEE 754 float.</summary>
    Double = 11,

    /// <summary>Unsigned 32-bit integer.</summary>
    UInt32 = 12,

    /// <summary>Unsigned 64-bit integer.</summary>
    UInt64 = 13,

    /// <summary>Unsigned 4-bit integer (0 to 15), packed two per byte, low nibble first.</summary>
    UInt4 = 21,

    /// <summary>Signed 4-bit integer (-8 to 7), packed two per byte, low nibble first.</summary>
    Int4 = 22,
}
