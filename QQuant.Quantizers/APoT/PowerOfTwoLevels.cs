namespace QQuant.Quantizers;

/// <summary>
/// The magnitude levels of APoT (Li et al., ICLR 2020) for B bits, normalised so the largest is 1.
/// </summary>
/// <remarks>
/// Additive, B even: <c>n = B/2</c> terms, term <c>j</c> one of <c>{0, 2^−(j+1), 2^−(j+1+n), 2^−(j+1+2n)}</c>
/// (the paper's k = 2), every sum kept, 2^B distinct levels. B odd (3, 5) follows the authors' published
/// construction: B = 3 sums <c>{0, 2^−1, 2^−2, 2^−4}</c> and <c>{0, 2^−3}</c>; B = 5 sums
/// <c>{0, 2^−1, 2^−3, 2^−6}</c>, <c>{0, 2^−2, 2^−4, 2^−7}</c> and <c>{0, 2^−5}</c>. B = 1 is <c>{0, 1}</c>.
/// Not additive: plain powers of two <c>{0, 2^−1, …, 2^−(2^B − 1)}</c>. Widths of 7 bits or more have no
/// published construction and are refused.
/// </remarks>
public static class PowerOfTwoLevels
{
    /// <summary>The largest magnitude width with a level set.</summary>
    public const int MaxBits = 6;

    /// <summary>The sorted, normalised magnitude levels of <paramref name="bits"/> bits (1..6).</summary>
    public static double[] Of(int bits, bool additive = true)
    {
        if (bits is < 1 or > MaxBits)
        {
            throw new ArgumentOutOfRangeException(nameof(bits), bits, $"APoT level sets exist for 1..{MaxBits} magnitude bits.");
        }

        IEnumerable<double> sums = bits == 1 ? [0.0, 1.0]
            : !additive ? Enumerable.Range(1, (1 << bits) - 1).Select(i => Math.Pow(2, -i)).Prepend(0.0)
            : Sums(Terms(bits));
        double[] levels = sums.Distinct().Order().ToArray();
        double max = levels[^1];
        return levels.Select(v => v / max).ToArray();
    }

    private static int[][] Terms(int bits) => bits switch
    {
        3 => [[1, 2, 4], [3]],
        5 => [[1, 3, 6], [2, 4, 7], [5]],
        _ => Enumerable.Range(0, bits / 2)
            .Select(j => Enumerable.Range(0, 3).Select(t => j + 1 + t * (bits / 2)).ToArray())
            .ToArray(),
    };

    // Each term is 0 or one of its powers 2^−e; every combination is a level.
    private static IEnumerable<double> Sums(int[][] terms) =>
        terms.Aggregate(
            (IEnumerable<double>)[0.0],
            (partial, exponents) => partial.SelectMany(p => exponents.Select(e => p + Math.Pow(2, -e)).Prepend(p)));
}
