using QQuant;

namespace QQuant.Quantizers;

/// <summary>Options of the <see cref="LsqPlus"/> scheme.</summary>
public record LsqPlusOptions : LsqOptions
{
    /// <summary>Learn an offset for the input (the paper's asymmetric activations). Weights never have one. Default true.</summary>
    [ReferenceKey("add_offset")]
    public bool LearnOffset { get; set; } = true;
}
