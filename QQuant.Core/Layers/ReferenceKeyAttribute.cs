namespace QQuant;

/// <summary>
/// Names under which the Python reference's configs spell an option (for example <c>quant_activation</c> for
/// <see cref="QuantLayerOptions.QuantizeInput"/>), so a config translated key by key binds.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
public sealed class ReferenceKeyAttribute : Attribute
{
    /// <summary>Declares the reference spellings of the option.</summary>
    public ReferenceKeyAttribute(params string[] names) => Names = names;

    /// <summary>The reference spellings, matched case-insensitively.</summary>
    public IReadOnlyList<string> Names { get; }
}
