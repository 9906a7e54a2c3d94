using static TorchSharp.torch;

namespace QQuant.Analysis;

/// <summary>
/// A tensor's values as a histogram over their own range: the share of elements in each of equal-width bins from
/// <see cref="Min"/> to <see cref="Max"/> (shares sum to 1). What the report draws as a distribution line.
/// </summary>
/// <param name="Min">The smallest element.</param>
/// <param name="Max">The largest element.</param>
/// <param name="Shares">The share of elements per bin, lowest values first.</param>
public sealed record ValueDistribution(double Min, double Max, IReadOnlyList<double> Shares)
{
    /// <summary>The reference tool's number of bins.</summary>
    public const int DefaultBins = 1000;

    /// <summary>The distribution of <paramref name="values"/> in <paramref name="bins"/> bins.</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> is empty.</exception>
    public static ValueDistribution Of(Tensor values, int bins = DefaultBins)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.numel() == 0)
        {
            throw new ArgumentException("An empty tensor has no distribution.", nameof(values));
        }

        (double min, double max) = Histogram.Range(values);
        return new ValueDistribution(min, max, Histogram.Shares(values, min, max, bins));
    }

    /// <summary>The centre of bin <paramref name="index"/> (the x of its point in a chart).</summary>
    public double BinCentre(int index) => Min + (index + 0.5) * (Max - Min) / Shares.Count;
}
