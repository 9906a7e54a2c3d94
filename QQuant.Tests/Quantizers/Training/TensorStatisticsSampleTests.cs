using QQuant;
using static QQuant.Tests.Quantizers.TensorAssert;
using static QQuant.Tests.Quantizers.Training.TrainingSupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Training;

/// <summary>
/// TensorStatistics' optional sample: every k-th observed value, k the smallest power of two that keeps at most
/// sampleSize of them; deterministic, bounded, float64 on the data's device, and the other statistics unchanged.
/// </summary>
public sealed class TensorStatisticsSampleTests
{
    // Batches of uneven sizes and shapes: 37 + 250 + 1 + 999 + 64 = 1351 values, row-major.
    private static Tensor[] Batches() =>
    [
        Normal(21, float32, 37),
        Normal(22, float32, 5, 50),
        Normal(23, float32, 1),
        Normal(24, float32, 3, 9, 37),
        Normal(25, float32, 2, 2, 4, 4),
    ];

    private static double[] Stream(IEnumerable<Tensor> batches) => batches.SelectMany(Values).ToArray();

    private static TensorStatistics Observed(int sampleSize, IEnumerable<Tensor> batches)
    {
        var statistics = new TensorStatistics(perChannel: false, sampleSize);
        foreach (Tensor batch in batches)
        {
            statistics.Observe(batch);
        }

        return statistics;
    }

    [Theory]
    // 1351 values: 100 -> k = 16 (85 values; k = 8 would keep 169); 1000 -> k = 2 (676); 5000 -> k = 1 (all 1351).
    [InlineData(100, 16)]
    [InlineData(1000, 2)]
    [InlineData(5000, 1)]
    [InlineData(1, 2048)]
    public void The_sample_is_every_kth_value_of_the_stream_with_the_smallest_power_of_two_that_fits(int size, int k)
    {
        using var scope = NewDisposeScope();
        Tensor[] batches = Batches();
        using TensorStatistics statistics = Observed(size, batches);

        double[] sample = Values(statistics.Sample());

        double[] expected = Stream(batches).Where((_, i) => i % k == 0).ToArray();
        Assert.Equal(expected, sample);
        Assert.InRange(sample.Length, Math.Min(1351, (size + 1) / 2), size);
    }

    [Fact]
    public void The_sample_never_exceeds_its_size_and_holds_only_observed_values()
    {
        using var scope = NewDisposeScope();
        using var statistics = new TensorStatistics(perChannel: false, sampleSize: 64);
        var seen = new HashSet<double>();
        for (int i = 0; i < 40; i++)
        {
            Tensor batch = Normal(100 + (ulong)i, float64, 1 + (i * 37 % 300));
            statistics.Observe(batch);
            seen.UnionWith(Values(batch));

            double[] sample = Values(statistics.Sample());
            Assert.InRange(sample.Length, 1, 64);
            Assert.All(sample, v => Assert.Contains(v, seen));
        }
    }

    [Fact]
    public void The_sample_depends_on_the_values_and_their_order_not_on_how_they_were_batched()
    {
        using var scope = NewDisposeScope();
        Tensor[] batches = Batches();
        Tensor whole = cat(batches.Select(b => b.flatten()).ToArray());

        using TensorStatistics split = Observed(100, batches);
        using TensorStatistics again = Observed(100, batches);
        using TensorStatistics once = Observed(100, [whole]);

        Identical(split.Sample(), again.Sample());
        Identical(split.Sample(), once.Sample());
    }

    [Fact]
    public void The_sample_is_float64_on_the_datas_device_and_a_copy()
    {
        using var scope = NewDisposeScope();
        Tensor data = Normal(3, float32, 10);
        using TensorStatistics statistics = Observed(8, [data]);

        Tensor sample = statistics.Sample();
        sample.fill_(7);

        Assert.Equal(float64, sample.dtype);
        Assert.Equal((data.device_type, data.device_index), (sample.device_type, sample.device_index));
        Assert.Equal(1, sample.dim());
        Assert.NotEqual(7, Values(statistics.Sample())[0]);
    }

    [Fact]
    public void Keeping_a_sample_leaves_the_other_statistics_bit_for_bit_the_same()
    {
        using var scope = NewDisposeScope();
        Tensor[] batches = Batches();
        using TensorStatistics plain = Observed(0, batches);
        using TensorStatistics sampled = Observed(100, batches);

        Assert.Equal(plain.Count, sampled.Count);
        Identical(plain.Mean(), sampled.Mean());
        Identical(plain.Std(), sampled.Std());
        Identical(plain.MeanAbs(), sampled.MeanAbs());
        Identical(plain.StdAbs(), sampled.StdAbs());
        Identical(plain.Min(), sampled.Min());
        Identical(plain.Max(), sampled.Max());
        Assert.Equal(plain.HasNegatives, sampled.HasNegatives);
    }

    [Fact]
    public void Without_a_sample_size_there_is_no_sample()
    {
        using var scope = NewDisposeScope();
        using TensorStatistics plain = Observed(0, Batches());

        Assert.Equal(0, plain.SampleSize);
        Assert.Throws<InvalidOperationException>(() => plain.Sample());
        Assert.Throws<ArgumentOutOfRangeException>(() => new TensorStatistics(perChannel: false, sampleSize: -1));
        using var empty = new TensorStatistics(perChannel: false, sampleSize: 10);
        Assert.Throws<InvalidOperationException>(() => empty.Sample());
    }

    [Fact]
    public void Per_channel_each_channel_keeps_the_sample_its_own_stream_would_keep()
    {
        // Three channels seen in two batches of 40 and 90 values each: each row of the sample is what per-tensor
        // statistics of that channel alone keep (the same positions in every channel).
        using var scope = NewDisposeScope();
        Tensor[] batches = [Normal(31, float32, 3, 4, 10), Normal(32, float32, 3, 90)];
        using var perChannel = new TensorStatistics(perChannel: true, sampleSize: 50);
        foreach (Tensor batch in batches)
        {
            perChannel.Observe(batch);
        }

        Tensor sample = perChannel.Sample();

        Assert.Equal(new long[] { 3, 33 }, sample.shape);
        for (int channel = 0; channel < 3; channel++)
        {
            using TensorStatistics alone = Observed(50, batches.Select(b => b[channel]));
            Identical(alone.Sample(), sample[channel]);
        }
    }
}
