using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// Running statistics of the tensors a quantizer sees (one set per tensor, or one per index of dimension 0), kept in
/// float64 on the tensors' device: what data-driven initialisation formulas are written in. Observing one tensor and
/// observing several batches use the same formulas, so a first training batch and a calibration run agree.
/// </summary>
/// <remarks>
/// On request (<c>sampleSize</c> &gt; 0) it also keeps a deterministic, bounded sample of the observed values for
/// initialisations that need more than moments and extremes (an error search): every k-th value of the stream of
/// observed values, in the order they were observed (each tensor flattened row-major; per channel, each channel's own
/// stream, the same positions in every channel). k starts at 1; whenever keeping more than <c>sampleSize</c> values
/// (per channel) would be needed, every second kept value is dropped and k doubles. So the sample holds between about
/// half of <c>sampleSize</c> and <c>sampleSize</c> values (all of them while fewer were observed), depends only on the
/// values and the order of the batches, and stays on their device.
/// </remarks>
public sealed class TensorStatistics : IDisposable
{
    private Tensor? _sum;
    private Tensor? _sumSquares;
    private Tensor? _sumAbs;
    private Tensor? _min;
    private Tensor? _max;
    private Tensor? _sample;
    private long _sampleCount;
    private long _stride = 1;

    /// <summary>Creates empty statistics.</summary>
    /// <param name="perChannel">One set of statistics per index of dimension 0 instead of one for the whole tensor.</param>
    /// <param name="sampleSize">
    /// The most observed values to keep for <see cref="Sample"/> (per channel when <paramref name="perChannel"/>); 0
    /// (the default) keeps none.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sampleSize"/> is negative.</exception>
    public TensorStatistics(bool perChannel, int sampleSize = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sampleSize);
        PerChannel = perChannel;
        SampleSize = sampleSize;
    }

    /// <summary>True when statistics are kept per index of dimension 0.</summary>
    public bool PerChannel { get; }

    /// <summary>The most observed values <see cref="Sample"/> keeps, per channel when <see cref="PerChannel"/> (0: no sample is kept).</summary>
    public int SampleSize { get; }

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
        if (SampleSize > 0)
        {
            KeepSample(rows);
        }

        Count += rows.shape[1];
    }

    /// <summary>
    /// The kept sample of the observed values as a float64 tensor on their device (a copy the caller disposes): every
    /// k-th value observed, at most <see cref="SampleSize"/> of them (see the remarks of <see cref="TensorStatistics"/>);
    /// 1-D, or <c>[channels, values]</c> when <see cref="PerChannel"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">No sample is kept (<see cref="SampleSize"/> is 0), or nothing was observed.</exception>
    public Tensor Sample()
    {
        if (SampleSize == 0)
        {
            throw new InvalidOperationException("These statistics keep no sample; create them with a sampleSize above 0.");
        }

        Tensor sample = Require(_sample);
        return PerChannel ? sample.clone() : sample.flatten().clone();
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
        foreach (Tensor? t in new[] { _sum, _sumSquares, _sumAbs, _min, _max, _sample })
        {
            t?.Dispose();
        }

        _sum = _sumSquares = _sumAbs = _min = _max = _sample = null;
    }

    // Keeps the columns of `rows` (the next values of each row's stream, the first at index Count) whose index is a
    // multiple of the stride. The stride doubles first, and the kept columns are thinned to every second one, for as
    // long as the sample would otherwise grow beyond SampleSize; the work is planned on the host and the device slices once.
    private void KeepSample(Tensor rows)
    {
        long n = rows.shape[1], kept = _sampleCount, stride = _stride, thin = 1;
        while (kept + Taken(Count, n, stride) > SampleSize)
        {
            kept = (kept + 1) / 2;
            stride *= 2;
            thin *= 2;
        }

        long first = (stride - Count % stride) % stride;
        if (_sample is not null && thin == 1 && first >= n)
        {
            return;
        }

        using var scope = NewDisposeScope();
        TensorIndex all = TensorIndex.Colon;
        Tensor? earlier = _sample is null ? null : thin == 1 ? _sample : _sample[all, TensorIndex.Slice(0, null, thin)];
        Tensor? taken = first < n ? rows[all, TensorIndex.Slice(first, null, stride)] : null;
        Tensor next = (earlier, taken) switch
        {
            (null, null) => empty(rows.shape[0], 0, float64, rows.device),
            (null, { } t) => t.clone(),
            ({ } e, null) => e.clone(),
            ({ } e, { } t) => cat([e, t], 1),
        };
        _sample?.Dispose();
        _sample = next.DetachFromDisposeScope();
        _sampleCount = _sample.shape[1];
        _stride = stride;
    }

    // How many of n values starting at stream index `start` have an index that is a multiple of `stride`.
    private static long Taken(long start, long n, long stride)
    {
        long first = (stride - start % stride) % stride;
        return first < n ? (n - 1 - first) / stride + 1 : 0;
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
