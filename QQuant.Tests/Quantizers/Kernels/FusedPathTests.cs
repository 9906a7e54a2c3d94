using QQuant;
using QQuant.Quantizers;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Kernels;

public sealed class FusedPathTests
{
    public static TheoryData<string> Quantizers() => ["LSQ", "LSQ+", "PACT", "DoReFa", "APoT", "8-bit"];

    private static Quantizer Make(string name) => name switch
    {
        "LSQ" => new LsqQuantizer(4, TensorRole.Activation, ActivationSign.Unsigned),
        "LSQ+" => new LsqPlusQuantizer(4, TensorRole.Activation, ActivationSign.Unsigned),
        "PACT" => new PactQuantizer(4, ActivationSign.Unsigned, initialClip: 1),
        "DoReFa" => new DoReFaActivationQuantizer(4, ActivationSign.Unsigned),
        "APoT" => new APoTQuantizer(4, TensorRole.Activation, APoTGrid.PowerOfTwo, ActivationSign.Unsigned, initialClip: 1),
        _ => new MaxAbsQuantizer(8, signed: false, perChannel: false),
    };

    [Theory]
    [MemberData(nameof(Quantizers))]
    public void Only_contiguous_float32_cpu_tensors_take_the_fused_kernel_and_only_while_it_is_on(string name)
    {
        Quantizer quantizer = Make(name);
        using Tensor x = rand(4, 6);
        using Tensor wide = rand(4, 6, dtype: float64);
        using Tensor transposed = x.t();

        Assert.True(quantizer.FusesFor(x));
        Assert.False(quantizer.FusesFor(wide));
        Assert.False(quantizer.FusesFor(transposed));
        quantizer.UseFusedKernel = false;
        Assert.False(quantizer.FusesFor(x));
    }

    [Fact]
    public void Per_channel_APoT_weights_fuse_only_when_their_clips_line_up_with_dimension_0()
    {
        var weights = new APoTQuantizer(4, TensorRole.Weight, APoTGrid.PowerOfTwo, ActivationSign.Signed, channels: 8);
        using Tensor w = rand(8, 3, 3, 3);
        using Tensor other = rand(6, 3, 3, 3);

        Assert.True(weights.FusesFor(w));
        Assert.False(weights.FusesFor(other));
    }
}
