namespace QQuant.Export.Onnx;

/// <summary>
/// A named attribute of a node holding exactly one value of one <see cref="OnnxAttributeType"/>. Create one with the
/// factory of its kind: <see cref="Float"/>, <see cref="Int"/>, <see cref="String"/>, <see cref="Tensor"/>,
/// <see cref="Floats"/> or <see cref="Ints"/>; only the value property of that kind is set.
/// </summary>
public sealed class OnnxAttribute
{
    private OnnxAttribute(string name, OnnxAttributeType type)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Type = type;
    }

    /// <summary>The attribute's name, as the operator's schema spells it (<c>strides</c>, <c>axis</c>).</summary>
    public string Name { get; }

    /// <summary>Which value the attribute holds.</summary>
    public OnnxAttributeType Type { get; }

    /// <summary>The value of a <see cref="OnnxAttributeType.Float"/> attribute (0 otherwise).</summary>
    public float FloatValue { get; private init; }

    /// <summary>The value of an <see cref="OnnxAttributeType.Int"/> attribute (0 otherwise).</summary>
    public long IntValue { get; private init; }

    /// <summary>The value of a <see cref="OnnxAttributeType.String"/> attribute (null otherwise).</summary>
    public string? StringValue { get; private init; }

    /// <summary>The value of a <see cref="OnnxAttributeType.Tensor"/> attribute (null otherwise).</summary>
    public OnnxTensor? TensorValue { get; private init; }

    /// <summary>The values of a <see cref="OnnxAttributeType.Floats"/> attribute (empty otherwise).</summary>
    public IReadOnlyList<float> FloatValues { get; private init; } = [];

    /// <summary>The values of an <see cref="OnnxAttributeType.Ints"/> attribute (empty otherwise).</summary>
    public IReadOnlyList<long> IntValues { get; private init; } = [];

    /// <summary>A float attribute (<c>alpha</c>, <c>epsilon</c>).</summary>
    public static OnnxAttribute Float(string name, float value) => new(name, OnnxAttributeType.Float) { FloatValue = value };

    /// <summary>An integer attribute (<c>axis</c>, <c>group</c>).</summary>
    public static OnnxAttribute Int(string name, long value) => new(name, OnnxAttributeType.Int) { IntValue = value };

    /// <summary>A string attribute (<c>auto_pad</c>).</summary>
    public static OnnxAttribute String(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new OnnxAttribute(name, OnnxAttributeType.String) { StringValue = value };
    }

    /// <summary>A tensor attribute (<c>Constant</c>'s <c>value</c>).</summary>
    public static OnnxAttribute Tensor(string name, OnnxTensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new OnnxAttribute(name, OnnxAttributeType.Tensor) { TensorValue = value };
    }

    /// <summary>A list-of-floats attribute; the values are copied.</summary>
    public static OnnxAttribute Floats(string name, params IEnumerable<float> values) =>
        new(name, OnnxAttributeType.Floats) { FloatValues = values.ToArray() };

    /// <summary>A list-of-integers attribute (<c>pads</c>, <c>strides</c>); the values are copied.</summary>
    public static OnnxAttribute Ints(string name, params IEnumerable<long> values) =>
        new(name, OnnxAttributeType.Ints) { IntValues = values.ToArray() };

    /// <inheritdoc/>
    public override string ToString() => Type switch
    {
        OnnxAttributeType.Float => $"{Name}={FloatValue}",
        OnnxAttributeType.Int => $"{Name}={IntValue}",
        OnnxAttributeType.String => $"{Name}=\"{StringValue}\"",
        OnnxAttributeType.Tensor => $"{Name}={TensorValue}",
        OnnxAttributeType.Floats => $"{Name}=[{string.Join(", ", FloatValues)}]",
        _ => $"{Name}=[{string.Join(", ", IntValues)}]",
    };
}
