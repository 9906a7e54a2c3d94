using QQuant.Analysis;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Tests.Analysis;

public sealed class ClippingTests
{
    [Fact]
    public void Elements_beyond_half_a_gap_past_the_extreme_levels_are_clipped()
    {
        // Levels -1, 0, 1 (gap 1): -3 and 3 were clipped; 1.4 would still round to 1.
        using Tensor latent = tensor(new double[] { -3, -1, 0, 1.4, 3 });
        using Tensor quantized = tensor(new double[] { -1, -1, 0, 1, 1 });

        Assert.Equal(2.0 / 5, Clipping.Share(latent, quantized, perChannel: false), 12);
    }

    [Fact]
    public void Unreached_top_levels_do_not_count_as_clipping()
    {
        // An unsigned 2-bit grid with step 0.5 whose inputs never reach its top level 1.5.
        using Tensor latent = tensor(new double[] { 0.1, 0.3, 0.6, 0.74 });
        using Tensor quantized = tensor(new double[] { 0, 0.5, 0.5, 0.5 });

        Assert.Equal(0, Clipping.Share(latent, quantized, perChannel: false));
    }

    [Fact]
    public void Per_channel_levels_are_found_per_row()
    {
        // Row 0 has levels {-0.1, 0, 0.1}; row 1 {-1, 0, 1}. Pooled, 0.5 in row 0 would look like rounding.
        using Tensor latent = tensor(new double[] { -0.1, 0, 0.5, -1, 0, 1 }).reshape(2, 3);
        using Tensor quantized = tensor(new double[] { -0.1, 0, 0.1, -1, 0, 1 }).reshape(2, 3);

        Assert.Equal(1.0 / 6, Clipping.Share(latent, quantized, perChannel: true), 12);
        Assert.Equal(0, Clipping.Share(latent, quantized, perChannel: false));
    }
}
