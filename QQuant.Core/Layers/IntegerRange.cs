namespace QQuant;

/// <summary>
/// The integer grid of a b-bit uniform quantizer: signed <c>[−2^(b−1), 2^(b−1) − 1]</c>, unsigned <c>[0, 2^b − 1]</c>.
/// </summary>
/// <param name="Min">The lowest level, Qn.</param>
/// <param name="Max">The highest level, Qp.</param>
public readonly record struct IntegerRange(int Min, int Max)
{
    /// <summary>The range of <paramref name="bits"/> bits, signed or unsigned.</summary>
    public static IntegerRange Of(int bits, bool signed) =>
        signed ? new(-(1 << (bits - 1)), (1 << (bits - 1)) - 1) : new(0, (1 << bits) - 1);

    /// <summary>The number of steps between the lowest and the highest level, Qp − Qn.</summary>
    public int Steps => Max - Min;
}
