using QQuant;
using static TorchSharp.torch;

namespace QQuant.Quantizers;

/// <summary>The data-driven starting value of a learned clipping threshold (PACT, APoT and uniform activations).</summary>
internal static class ClipInitialization
{
    /// <summary>
    /// <c>min(max|x|, mean|x| + 3·std|x|)</c>: covers the bulk of the distribution without letting one outlier set the
    /// range; 1 for all-zero data.
    /// </summary>
    public static Tensor FromStatistics(TensorStatistics statistics)
    {
        using var scope = NewDisposeScope();
        Tensor spread = statistics.MeanAbs() + 3 * statistics.StdAbs();
        Tensor clip = minimum(statistics.MaxAbs(), spread);
        return Positive(clip).MoveToOuterDisposeScope();
    }

    /// <summary>Replaces zeros (a tensor or channel with nothing but zeros) by 1, a neutral positive scale.</summary>
    public static Tensor Positive(Tensor value) => where(value > 0, value, ones_like(value));
}
