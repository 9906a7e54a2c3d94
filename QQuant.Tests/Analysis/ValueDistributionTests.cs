using QQuant.Analysis;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Tests.Analysis;

public sealed class ValueDistributionTests
{
    [Fact]
    public void Shares_count_each_bin_and_put_the_maximum_in_the_last_bin()
    {
        using Tensor x = tensor(new float[] { 0, 1, 2, 3, 4 });

        ValueDistribution d = ValueDistribution.Of(x, bins: 4);

        Assert.Equal(0, d.Min);
        Assert.Equal(4, d.Max);
        Assert.Equal(new[] { 0.2, 0.2, 0.2, 0.4 }, d.Shares);
        Assert.Equal(0.5, d.BinCentre(0));
        Assert.Equal(3.5, d.BinCentre(3));
    }

    [Fact]
    public void The_default_has_the_reference_tools_1000_bins_and_shares_sum_to_one()
    {
        using var generator = new TorchSharp.torch.Generator(7);
        using Tensor x = randn(new long[] { 64, 3, 3 }, generator: generator);

        ValueDistribution d = ValueDistribution.Of(x);

        Assert.Equal(1000, d.Shares.Count);
        Assert.Equal(1, d.Shares.Sum(), 1e-12);
        Assert.Equal(x.min().item<float>(), d.Min, 1e-6);
        Assert.Equal(x.max().item<float>(), d.Max, 1e-6);
        Assert.True(d.Shares[0] > 0 && d.Shares[^1] > 0);
    }

    [Fact]
    public void A_constant_tensor_has_all_its_mass_in_the_first_bin()
    {
        using Tensor x = full(10, 2.5, float32);

        ValueDistribution d = ValueDistribution.Of(x, bins: 8);

        Assert.Equal(1, d.Shares[0]);
        Assert.All(d.Shares.Skip(1), s => Assert.Equal(0, s));
    }

    [Fact]
    public void An_empty_tensor_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => ValueDistribution.Of(torch.empty(0)));
    }
}
