namespace QQuant.Export.Onnx;

/// <summary>The protobuf wire types ONNX files use (the deprecated group types 3 and 4 are not among them).</summary>
internal enum WireType
{
    /// <summary>A base-128 varint: integers, enums, booleans.</summary>
    Varint = 0,

    /// <summary>Eight little-endian bytes: double, fixed64.</summary>
    Fixed64 = 1,

    /// <summary>A varint length followed by that many bytes: strings, bytes, messages, packed repeated scalars.</summary>
    LengthDelimited = 2,

    /// <summary>Four little-endian bytes: float, fixed32.</summary>
    Fixed32 = 5,
}
