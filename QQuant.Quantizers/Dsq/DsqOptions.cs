using QQuant;

namespace QQuant.Quantizers;

/// <summary>Options of the <see cref="Dsq"/> scheme.</summary>
public record DsqOptions : QuantLayerOptions
{
    /// <summary>The starting value of the learnable characteristic variable α, in (0, 0.5). Default 0.2.</summary>
    public double InitialAlpha { get; set; } = 0.2;
}
