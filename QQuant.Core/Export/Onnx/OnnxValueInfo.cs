namespace QQuant.Export.Onnx;

/// <summary>
/// The declared type of a value of the graph (an input, an output or an intermediate value): a tensor of
/// <see cref="ElementType"/> whose shape is known per dimension, or left unknown altogether (<see cref="Shape"/> null).
/// </summary>
public sealed class OnnxValueInfo
{
    /// <summary>Creates the declaration of a tensor value.</summary>
    /// <param name="name">The value's name.</param>
    /// <param name="elementType">The element type.</param>
    /// <param name="shape">The shape, one entry a dimension (empty for a scalar), or null when the rank is unknown.</param>
    public OnnxValueInfo(string name, OnnxDataType elementType, IEnumerable<OnnxDimension>? shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        ElementType = elementType;
        Shape = shape?.ToArray();
    }

    /// <summary>The value's name.</summary>
    public string Name { get; }

    /// <summary>The element type.</summary>
    public OnnxDataType ElementType { get; }

    /// <summary>The shape, or null when not even the rank is declared.</summary>
    public IReadOnlyList<OnnxDimension>? Shape { get; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name}: {ElementType}{(Shape is null ? "" : $"[{string.Join(", ", Shape)}]")}";
}
