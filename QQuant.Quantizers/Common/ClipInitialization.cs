using QQuant;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>The data-driven starting value of a learned clipping threshold (PACT, APoT and uniform activations).</summary>
internal static class ClipInitialization
{
    /// <summary>The starting clip: <paramref name="initialClip"/> in every element of <paramref name="like"/> when given, otherwise <see cref="FromStatistics"/>.</summary>
    public static Tensor Start(Tensor like, double? initialClip, TensorStatistics statistics) =>
        initialClip is { } clip ? full_like(like, clip) : FromStatistics(statistics);

    /// <summary>
    /// <c>min(max|x|, mean|x| + 3·std|x|)</c>: covers the bulk of the distribution without letting one outlier set the
    /// range; 1 for all-zero data.
    /// </summary>
    public static Tensor FromStatistics(TensorStatistics statistics)
    {
        using var scope = NewDisposeScope();
        Tensor spread = statistics.MeanAbs() + 3 * statistics.StdAbs();
        Tensor clip = minimum(statistics.MaxAbs(), spread);
        return QuantizerMath.OneWhereZero(clip).MoveToOuterDisposeScope();
    }
}
