using QQuant;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>The starting clipping level of PACT's, APoT's and uniform's inputs, taken from the calibration data.</summary>
internal static class DataClip
{
    /// <summary>
    /// <paramref name="initialClip"/> in every element of <paramref name="like"/> when given; otherwise
    /// <see cref="ClipInitialization.MeanStd"/>'s statistic, or with <see cref="ClipInitialization.Mse"/> the clip
    /// whose <paramref name="grid"/> has the least squared error on the statistics' sample.
    /// </summary>
    /// <remarks><paramref name="grid"/> is the quantizer's rounding of a clipped value in <c>[lo, 1]</c> (<c>lo</c> −1 when <paramref name="signed"/>, else 0).</remarks>
    public static Tensor Start(
        Tensor like, double? initialClip, TensorStatistics statistics, ClipInitialization mode, bool signed, Func<Tensor, Tensor> grid)
    {
        if (initialClip is { } clip)
        {
            return full_like(like, clip);
        }

        if (mode == ClipInitialization.Mse)
        {
            using Tensor maxAbs = statistics.MaxAbs();
            double reach = maxAbs.item<double>();
            if (MseRange.Clip(statistics.Sample(), reach, signed, grid) is { } best)
            {
                return full_like(like, best);
            }

            return reach > 0 ? full_like(like, reach) : ones_like(like);
        }

        return FromStatistics(statistics);
    }

    /// <summary>The uniform grid of <paramref name="steps"/> steps over <c>[0, 1]</c> (and <c>[−1, 0]</c>): <c>round(d·L)/L</c>.</summary>
    public static Func<Tensor, Tensor> Uniform(int steps) => d => d.mul(steps).round_().div_(steps);

    /// <summary>
    /// <c>min(max|x|, mean|x| + 3·std|x|)</c>: covers the bulk of the distribution without letting one outlier set the
    /// range; 1 for all-zero data.
    /// </summary>
    private static Tensor FromStatistics(TensorStatistics statistics)
    {
        using var scope = NewDisposeScope();
        Tensor spread = statistics.MeanAbs() + 3 * statistics.StdAbs();
        Tensor clip = minimum(statistics.MaxAbs(), spread);
        return QuantizerMath.OneWhereZero(clip).MoveToOuterDisposeScope();
    }
}
