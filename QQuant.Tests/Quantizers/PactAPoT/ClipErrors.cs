namespace QQuant.Tests.Quantizers.PactAPoT;

/// <summary>The squared error of a clip on a grid, by loops in float64, and its exhaustive minimum: the clip-start tests' reference.</summary>
internal static class ClipErrors
{
    /// <summary>
    /// <c>Σ (x − α·round(clamp(x/α, lo, 1)·L)/L)²</c>, <c>lo</c> −1 when <paramref name="signed"/>, else 0 (round half
    /// to even, as torch).
    /// </summary>
    public static double Uniform(double[] data, double alpha, int steps, bool signed) =>
        data.Sum(x =>
        {
            double q = Math.Round(Math.Clamp(x / alpha, signed ? -1 : 0, 1) * steps) / steps * alpha;
            return (x - q) * (x - q);
        });

    /// <summary>
    /// <c>Σ (x − α·sign x·nearest level of min(|x|/α, 1))²</c> (ties to the upper level, as bucketize); for data of
    /// one sign, the unsigned grid's error too.
    /// </summary>
    public static double Levels(double[] data, double alpha, double[] levels) =>
        data.Sum(x =>
        {
            double d = Math.Min(Math.Abs(x) / alpha, 1);
            double nearest = Math.Sign(x) * levels.OrderBy(l => Math.Abs(l - d)).ThenByDescending(l => l).First();
            return (x - nearest * alpha) * (x - nearest * alpha);
        });

    /// <summary>The least of <paramref name="error"/> over 20 000 clips evenly spaced in <c>(0, maxAbs]</c>.</summary>
    public static double ExhaustiveMinimum(Func<double, double> error, double maxAbs) =>
        Enumerable.Range(1, 20_000).Select(i => error(maxAbs * i / 20_000)).Min();
}
