using static TorchSharp.torch;

namespace QQuant.Analysis;

/// <summary>
/// How close a tensor is to a reference tensor with as many elements (a float model's weight and the QAT latent
/// weight, or a latent weight and its fake-quantized value). Every number is computed in float64 over the flattened
/// tensors, on their device.
/// </summary>
/// <param name="Cosine"><c>a·b / (‖a‖‖b‖)</c>; NaN when either tensor is all zeros.</param>
/// <param name="Pearson"><c>mean((a − ā)(b − b̄)) / (σa σb)</c> with population deviations; NaN when either tensor is constant.</param>
/// <param name="KlBits">
/// <c>Σ p·log2(p/q)</c> of the reference's histogram p against the other's q: <see cref="KlBins"/> equal bins over the
/// common range of both, each histogram divided by its element count, empty bins set to <see cref="EmptyBinShare"/>
/// (the reference tool's definition); 0 when every element of both is the same value.
/// </param>
/// <param name="SqnrDb">
/// <c>10·log10(Σa² / Σ(a − b)²)</c>, the reference's energy over the error's; +∞ when the tensors are equal.
/// </param>
/// <param name="Mse"><c>mean((a − b)²)</c>.</param>
public sealed record TensorComparison(double Cosine, double Pearson, double KlBits, double SqnrDb, double Mse)
{
    /// <summary>The number of histogram bins of <see cref="KlBits"/>.</summary>
    public const int KlBins = 2000;

    /// <summary>The share given to an empty histogram bin so that the logarithm is defined.</summary>
    public const double EmptyBinShare = 1e-7;

    /// <summary>Compares <paramref name="other"/> with <paramref name="reference"/>.</summary>
    /// <exception cref="ArgumentException">The tensors are empty or differ in element count.</exception>
    public static TensorComparison Of(Tensor reference, Tensor other)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(other);
        if (reference.numel() == 0 || reference.numel() != other.numel())
        {
            throw new ArgumentException(
                $"Tensors to compare must have the same, non-zero number of elements; got {reference.numel()} and {other.numel()}.",
                nameof(other));
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor a = reference.detach().reshape(-1).to(float64);
        Tensor b = other.detach().reshape(-1).to(float64);
        Tensor error = a - b;
        double errorEnergy = error.square().sum().item<double>();
        double energy = a.square().sum().item<double>();
        (double aMin, double aMax) = Histogram.Range(a);
        (double bMin, double bMax) = Histogram.Range(b);
        // A constant tensor's deviations from its float64 mean are rounding noise, not a direction: no correlation.
        bool constant = aMin == aMax || bMin == bMax;
        Tensor da = a - a.mean();
        Tensor db = b - b.mean();
        return new TensorComparison(
            Cosine: Ratio(a.dot(b), a.norm() * b.norm()),
            Pearson: constant ? double.NaN : Ratio(da.dot(db), da.norm() * db.norm()),
            KlBits: KlDivergenceBits(a, b, Math.Min(aMin, bMin), Math.Max(aMax, bMax)),
            SqnrDb: errorEnergy == 0 ? double.PositiveInfinity : 10 * Math.Log10(energy / errorEnergy),
            Mse: errorEnergy / a.numel());
    }

    private static double Ratio(Tensor numerator, Tensor denominator)
    {
        double d = denominator.item<double>();
        return d == 0 ? double.NaN : numerator.item<double>() / d;
    }

    private static double KlDivergenceBits(Tensor p, Tensor q, double min, double max)
    {
        double[] pShares = Histogram.Shares(p, min, max, KlBins);
        double[] qShares = Histogram.Shares(q, min, max, KlBins);
        double sum = 0;
        for (int i = 0; i < KlBins; i++)
        {
            double pi = pShares[i] == 0 ? EmptyBinShare : pShares[i];
            double qi = qShares[i] == 0 ? EmptyBinShare : qShares[i];
            sum += pi * Math.Log2(pi / qi);
        }

        return sum;
    }
}
