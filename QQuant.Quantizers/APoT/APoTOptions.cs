using QQuant;

namespace QQuant.Quantizers;

/// <summary>Options of the <see cref="APoT"/> scheme.</summary>
public record APoTOptions : UniformOptions
{
    /// <summary>Power-of-two levels (the paper); false gives the uniform grid, the same as the <see cref="Uniform"/> scheme. Default true.</summary>
    [ReferenceKey("power")]
    public bool PowerOfTwo { get; set; } = true;

    /// <summary>Additive power-of-two levels (the paper); false gives plain powers of two. Default true.</summary>
    [ReferenceKey("additive")]
    public bool Additive { get; set; } = true;
}
