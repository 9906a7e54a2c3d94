namespace QQuant.Export.Onnx;

/// <summary>The kinds of node attribute this object model supports, numbered as <c>AttributeProto.AttributeType</c>.</summary>
public enum OnnxAttributeType
{
    /// <summary>One 32-bit float (<c>f</c>).</summary>
    Float = 1,

    /// <summary>One 64-bit integer (<c>i</c>).</summary>
    Int = 2,

    /// <summary>One UTF-8 string (<c>s</c>).</summary>
    String = 3,

    /// <summary>One tensor (<c>t</c>).</summary>
    Tensor = 4,

    /// <summary>A list of 32-bit floats (<c>floats</c>).</summary>
    Floats = 6,

    /// <summary>A list of 64-bit integers (<c>ints</c>).</summary>
    Ints = 7,
}
