namespace QQuant.Quantizers;

/// <summary>The levels an <see cref="APoTQuantizer"/> rounds to, on <c>[0, 1]</c> before the clipping level scales them.</summary>
public enum APoTGrid
{
    /// <summary>Additive powers of two (the paper's grid): dense near zero, sparse near the clip.</summary>
    PowerOfTwo,

    /// <summary>Evenly spaced levels (the reference's "UQ" ablation of the same layer).</summary>
    Uniform,
}
