namespace QQuant.Export.Onnx;

/// <summary>
/// One dimension of a value's shape: a fixed size, a symbolic name shared by the dimensions that must agree
/// (<c>"batch"</c>), or unknown. Numbers and strings convert implicitly, so a shape reads <c>["batch", 3, 32, 32]</c>.
/// </summary>
public readonly record struct OnnxDimension
{
    private OnnxDimension(long? value, string? symbol)
    {
        Value = value;
        Symbol = symbol;
    }

    /// <summary>The fixed size, or null for a symbolic or unknown dimension.</summary>
    public long? Value { get; }

    /// <summary>The symbolic name (<c>dim_param</c>), or null for a fixed or unknown dimension.</summary>
    public string? Symbol { get; }

    /// <summary>A dimension that is neither fixed nor named.</summary>
    public static OnnxDimension Unknown => default;

    /// <summary>A dimension of fixed size.</summary>
    public static OnnxDimension Of(long value) => new(value, null);

    /// <summary>A dimension named <paramref name="symbol"/>.</summary>
    public static OnnxDimension Named(string symbol)
    {
        ArgumentException.ThrowIfNullOrEmpty(symbol);
        return new OnnxDimension(null, symbol);
    }

    /// <summary>A dimension of fixed size.</summary>
    public static implicit operator OnnxDimension(long value) => Of(value);

    /// <summary>A dimension named <paramref name="symbol"/>.</summary>
    public static implicit operator OnnxDimension(string symbol) => Named(symbol);

    /// <inheritdoc/>
    public override string ToString() => Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Symbol ?? "?";
}
