using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// Running statistics of the tensors a quantizer sees (one set per tensor, or one per index of dimension 0), kept in
/// float64 on the tensors' device: what data-driven initialisation formulas are written in. Observing one tensor and
/// observing several batches use the same formulas, so a first training batch and a calibration run agree.
/// </summary>
public sealed class TensorStatistics : IDisposable
{
    private Tensor? _sum;
    private Tensor? _sumSquares;
    private Tensor? _sumAbs;
    private Tensor? _min;
    private Tensor? _max;

    /// <summary>Creates empty statistics.</summary>
    /// <param name="perChannel">One set of statistics per index of dimension 0 instead of one for the whole tensor.</param>
    public TensorStatistics(bool perChannel) => PerChannel = perChannel;

    /// <summary>True when statistics are kept per index of dimension 0.</summary>
    public bool PerChannel { get; }

    /// <summary>Elements observed (per channel when <see cref="PerChannel"/>).</summary>
    public long Count { get; private set; }

    /// <summary>Adds <paramref name="x"/> to the statistics (no gradient is recorded).</summary>
    public void Observe(Tensor x)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor rows = (PerChannel && x.dim() > 0 ? x.reshape(x.shape[0], -1) : x.reshape(1, -1)).to(float64);
        Accumulate(ref _sum, rows.sum(1), (a, b) => a + b);
        Accumulate(ref _sumSquares, rows.square().sum(1), (a, b) => a + b);
        Accumulate(ref _sumAbs, rows.abs().sum(1), (a, b) => a + b);
        Accumulate(ref _min, rows.amin(1), minimum);
        Accumulate(ref _max, rows.amax(1), maximum);
        Count += rows.shape[1];
    }

    /// <summary>True when nothing has been observed.</summary>
    public bool IsEmpty => Count == 0;

    /// <summary>True when every observed value was finite (reads the device once).</summary>
    public bool AllFinite
    {
        get
        {
            using Tensor finite = Require(_sum).isfinite().all();
            using Tensor squares = Require(_sumSquares).isfinite().all();
            return finite.item<bool>() && squares.item<bool>();
        }
    }

    /// <summary>The mean.</summary>
    public Tensor Mean() => Require(_sum) / Count;

    /// <summary>The standard deviation with Bessel's correction (0 for a single element).</summary>
    public Tensor Std() => Deviation(Require(_sum));

    /// <summary>The mean of absolute values.</summary>
    public Tensor MeanAbs() => Require(_sumAbs) / Count;

    /// <summary>The standard deviation of absolute values, with Bessel's correction.</summary>
    public Tensor StdAbs() => Deviation(Require(_sumAbs));

    /// <summary>The smallest value.</summary>
    public Tensor Min() => Require(_min).clone();

    /// <summary>The largest value.</summary>
    public Tensor Max() => Require(_max).clone();

    /// <summary>The largest magnitude.</summary>
    public Tensor MaxAbs() => maximum(Require(_min).abs(), Require(_max).abs());

    /// <summary>True when some observed value was negative (reads the device once).</summary>
    public bool HasNegatives
    {
        get
        {
            using Tensor negative = Require(_min).lt(0).any();
            return negative.item<bool>();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Tensor? t in new[] { _sum, _sumSquares, _sumAbs, _min, _max })
        {
            t?.Dispose();
        }

        _sum = _sumSquares = _sumAbs = _min = _max = null;
    }

    private Tensor Deviation(Tensor sum)
    {
        if (Count < 2)
        {
            return zeros_like(sum);
        }

        using var scope = NewDisposeScope();
        Tensor variance = (Require(_sumSquares) - sum.square() / Count) / (Count - 1);
        return variance.clamp_min(0).sqrt().MoveToOuterDisposeScope();
    }

    private Tensor Require(Tensor? statistic) =>
        statistic ?? throw new InvalidOperationException("No tensor has been observed yet.");

    private static void Accumulate(ref Tensor? total, Tensor batch, Func<Tensor, Tensor, Tensor> combine)
    {
        Tensor next = total is null ? batch.clone() : combine(total, batch);
        total?.Dispose();
        total = next.DetachFromDisposeScope();
    }
}
