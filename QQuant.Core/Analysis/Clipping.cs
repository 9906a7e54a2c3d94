using static TorchSharp.torch;

namespace QQuant.Analysis;

/// <summary>The share of a tensor's elements that its quantizer clipped rather than rounded.</summary>
internal static class Clipping
{
    /// <summary>
    /// The share of elements of <paramref name="latent"/> that lie beyond the lowest or highest level of
    /// <paramref name="quantized"/> by more than half the gap to that level's neighbour: with round-to-nearest such an
    /// element would have reached another level had it not been clipped. The levels are the distinct values of
    /// <paramref name="quantized"/>, per index of dimension 0 when <paramref name="perChannel"/>.
    /// </summary>
    public static double Share(Tensor latent, Tensor quantized, bool perChannel)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        long rows = perChannel && latent.dim() > 1 ? latent.shape[0] : 1;
        Tensor x = latent.detach().reshape(rows, -1).to(float64);
        Tensor q = quantized.detach().reshape(rows, -1).to(float64);
        long clipped = 0;
        for (long r = 0; r < rows; r++)
        {
            Tensor levels = q[r].unique(sorted: true).output;
            long n = levels.numel();
            double low = levels[0].item<double>();
            double high = levels[n - 1].item<double>();
            double lowGap = n > 1 ? levels[1].item<double>() - low : 0;
            double highGap = n > 1 ? high - levels[n - 2].item<double>() : 0;
            Tensor row = x[r];
            clipped += (row > high + highGap / 2).logical_or(row < low - lowGap / 2).sum().item<long>();
        }

        return (double)clipped / x.numel();
    }
}
