using static TorchSharp.torch;

namespace QQuant.Analysis;

/// <summary>
/// Counts of a tensor's values in equal-width bins over a range: the shared step of the value distributions and the KL
/// divergence. Computed in float64 on the tensor's device.
/// </summary>
internal static class Histogram
{
    /// <summary>
    /// The share of <paramref name="values"/>' elements in each of <paramref name="bins"/> bins over
    /// [<paramref name="min"/>, <paramref name="max"/>] (the last bin includes <paramref name="max"/>; values outside
    /// the range count in the nearest end bin). When the range is empty every element is in the first bin.
    /// </summary>
    public static double[] Shares(Tensor values, double min, double max, int bins)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor flat = values.detach().reshape(-1).to(float64);
        Tensor index = max > min
            ? ((flat - min) * (bins / (max - min))).floor().clamp(0, bins - 1).to(int64)
            : zeros_like(flat, int64);
        Tensor counts = bincount(index, minlength: bins).to(float64) / flat.numel();
        return counts.cpu().data<double>().ToArray();
    }

    /// <summary>The smallest and largest element of <paramref name="values"/>.</summary>
    public static (double Min, double Max) Range(Tensor values)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor flat = values.detach().reshape(-1).to(float64);
        return (flat.min().item<double>(), flat.max().item<double>());
    }
}
