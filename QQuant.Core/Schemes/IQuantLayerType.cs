namespace QQuant;

/// <summary>
/// A type a policy can name in <c>Use&lt;T&gt;(w, a)</c>: a scheme (<see cref="QuantScheme{TSelf, TOptions}"/>, every
/// operation), a scheme on one float module type under a name of its own (<see cref="SchemeLayer{TSelf, TScheme, TModule}"/>,
/// for example <c>DSQConv</c>), or a quantized layer class of your own (<see cref="IQuantizedLayer{TSelf}"/>).
/// </summary>
public interface IQuantLayerType
{
    /// <summary>What the policy engine needs to know to convert modules with this type.</summary>
    static abstract QuantLayerDescriptor Descriptor { get; }
}
