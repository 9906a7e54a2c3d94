using QQuant;
using QQuant.Quantizers;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Kernels;

public sealed class FusedPathTests
{
    public static TheoryData<string> Quantizers() => ["LSQ", "LSQ+", "PACT", "DoReFa", "APoT", "8-bit"];

    private static IFusedQuantizer Make(string name) => name switch
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
        IFusedQuantizer quantizer = Make(name);
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
    public void APoT_weights_are_standardised_on_the_composed_path()
    {
        var weights = new APoTQuantizer(4, TensorRole.Weight, APoTGrid.PowerOfTwo, ActivationSign.Signed);
        using Tensor w = rand(8, 3, 3, 3);

        Assert.False(weights.FusesFor(w));
    }
}
