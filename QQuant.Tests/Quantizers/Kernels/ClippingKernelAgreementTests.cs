using QQuant;
using QQuant.Quantizers;
using static QQuant.Tests.Quantizers.Kernels.FusedAgreement;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Kernels;

/// <summary>The fused kernels of LSQ+, PACT and DoReFa's activations against their composed paths (see <see cref="FusedAgreement"/>).</summary>
public sealed class ClippingKernelAgreementTests
{
    public static TheoryData<long[], int, bool> Activations() => new()
    {
        // shape, bits, signed
        { [7], 4, false },                   // shorter than one SIMD vector
        { [4, 33], 2, true },
        { [4, 33], 8, false },
        { [2, 16, 56, 56], 4, false },       // split into parallel pieces
        { [2, 16, 56, 56], 3, true },
    };

    [Theory]
    [MemberData(nameof(Activations))]
    public void LsqPlus_activations_with_an_offset_agree(long[] shape, int bits, bool signed)
    {
        Tensor x = Random(shape, seed: 1) + 0.3f;
        LsqPlusQuantizer Make(bool fused)
        {
            var q = new LsqPlusQuantizer(bits, TensorRole.Activation, signed ? ActivationSign.Signed : ActivationSign.Unsigned) { UseFusedKernel = fused };
            q.InitializeFrom(x);
            return q;
        }

        LsqPlusQuantizer fused = Make(true), composed = Make(false);
        double g = 1.0 / Math.Sqrt((x.dim() > 1 ? x.numel() / x.shape[0] : x.numel()) * (double)IntegerRange.Of(bits, signed).Max);
        IntegerRange range = IntegerRange.Of(bits, signed);

        // Twice as wide as the data the range was initialised from, so both tails are clipped and the offset learns.
        AssertAgree(fused, composed, 2 * x, Random(shape, seed: 2), Math.Max(-range.Min, range.Max) * g, g);
        Assert.True(Run(fused, 2 * x, Random(shape, seed: 2)).ParameterGradients[1][0] != 0);
    }

    [Theory]
    [InlineData(new long[] { 16, 3, 5, 5 }, 4)]
    [InlineData(new long[] { 3, 70001 }, 2)]
    public void LsqPlus_per_channel_weights_agree(long[] shape, int bits)
    {
        Tensor w = Random(shape, seed: 3, scale: 0.1f);
        LsqPlusQuantizer Make(bool fused)
        {
            var q = new LsqPlusQuantizer(bits, TensorRole.Weight, ActivationSign.Signed, shape[0], learnOffset: false) { UseFusedKernel = fused };
            q.InitializeFrom(w);
            return q;
        }

        IntegerRange range = IntegerRange.Of(bits, true);
        double g = 1.0 / Math.Sqrt(w.numel() / shape[0] * (double)range.Max);

        AssertAgree(Make(true), Make(false), w, Random(shape, seed: 4), -range.Min * g);
    }

    [Theory]
    [MemberData(nameof(Activations))]
    public void Pact_agrees_with_a_clip_that_cuts_both_tails(long[] shape, int bits, bool signed)
    {
        Tensor x = Random(shape, seed: 5);
        PactQuantizer Make(bool fused) => new(bits, signed ? ActivationSign.Signed : ActivationSign.Unsigned, initialClip: 1.1) { UseFusedKernel = fused };

        AssertAgree(Make(true), Make(false), x, Random(shape, seed: 6), 1);
    }

    [Theory]
    [MemberData(nameof(Activations))]
    public void DoReFa_activations_agree_on_their_fixed_range(long[] shape, int bits, bool signed)
    {
        Tensor x = Random(shape, seed: 7);
        DoReFaActivationQuantizer Make(bool fused)
        {
            var q = new DoReFaActivationQuantizer(bits, signed ? ActivationSign.Signed : ActivationSign.Unsigned) { UseFusedKernel = fused };
            q.InitializeFrom(x);
            return q;
        }

        AssertAgree(Make(true), Make(false), x, Random(shape, seed: 8));
    }

    [Fact]
    public void A_pact_clip_that_went_negative_acts_with_its_magnitude_and_its_gradient_changes_sign()
    {
        Tensor x = Random([3, 40], seed: 9);
        PactQuantizer Make(bool fused)
        {
            var q = new PactQuantizer(4, ActivationSign.Signed, initialClip: 0.8) { UseFusedKernel = fused };
            using (no_grad())
            {
                q.Alpha.neg_();
            }

            return q;
        }

        PactQuantizer fused = Make(true);
        AssertAgree(fused, Make(false), x, Random([3, 40], seed: 10), 1);
        Outcome run = Run(fused, x, Random([3, 40], seed: 10));
        Assert.True(run.ParameterGradients[0][0] != 0);
    }

    public static TheoryData<long[], int, bool, APoTGrid, bool> APoTActivations() => new()
    {
        // shape, bits, signed, grid, additive levels
        { [7], 4, false, APoTGrid.PowerOfTwo, true },
        { [4, 33], 3, true, APoTGrid.PowerOfTwo, true },
        { [4, 33], 5, false, APoTGrid.PowerOfTwo, false },
        { [2, 16, 56, 56], 4, false, APoTGrid.PowerOfTwo, true },
        { [2, 16, 56, 56], 4, true, APoTGrid.Uniform, true },
        { [4, 33], 2, false, APoTGrid.Uniform, true },
    };

    [Theory]
    [MemberData(nameof(APoTActivations))]
    public void APoT_activations_agree_on_uniform_and_power_of_two_grids(long[] shape, int bits, bool signed, APoTGrid grid, bool additive)
    {
        Tensor x = Random(shape, seed: 11);
        APoTQuantizer Make(bool fused) =>
            new(bits, TensorRole.Activation, grid, signed ? ActivationSign.Signed : ActivationSign.Unsigned, initialClip: 1.2, additive: additive)
            {
                UseFusedKernel = fused,
            };

        // A term is g · (q − v) inside the clip (|q − v| ≤ 1) and g · q outside (|q| ≤ 1).
        AssertAgree(Make(true), Make(false), x, Random(shape, seed: 12), 1);
    }

    [Theory]
    [InlineData(new long[] { 7 }, 8, true, false)]
    [InlineData(new long[] { 4, 33 }, 8, false, false)]
    [InlineData(new long[] { 2, 16, 56, 56 }, 8, false, false)]
    [InlineData(new long[] { 16, 3, 5, 5 }, 8, true, true)]
    [InlineData(new long[] { 3, 70001 }, 4, true, true)]
    public void Max_abs_grids_agree_per_tensor_and_per_channel(long[] shape, int bits, bool signed, bool perChannel)
    {
        Tensor x = Random(shape, seed: 13);
        MaxAbsQuantizer Make(bool fused) => new(bits, signed, perChannel) { UseFusedKernel = fused };

        AssertAgree(Make(true), Make(false), x, Random(shape, seed: 14));
    }

    [Fact]
    public void A_max_abs_row_of_zeros_acts_with_scale_one()
    {
        using Tensor x = cat([zeros(1, 20), Random([1, 20], seed: 15)]);
        MaxAbsQuantizer Make(bool fused) => new(8, true, perChannel: true) { UseFusedKernel = fused };

        AssertAgree(Make(true), Make(false), x, Random([2, 20], seed: 16));
    }

    public static TheoryData<long[], int, bool> DsqCases() => new()
    {
        // shape, bits, signed
        { [7], 4, false },
        { [4, 33], 1, false },
        { [4, 33], 2, true },
        { [2, 16, 56, 56], 4, false },
        { [16, 3, 5, 5], 3, true },
        // More than two pieces of ParallelRows.MinimumPiece elements: the kernel runs in parallel pieces.
        { [4, 16, 64, 64], 2, false },
        { [4, 16, 64, 64], 4, true },
    };

    [Theory]
    [MemberData(nameof(DsqCases))]
    public void Dsq_agrees_in_its_hard_forward_and_soft_gradients(long[] shape, int bits, bool signed)
    {
        Tensor x = Random(shape, seed: 17);
        DsqQuantizer Make(bool fused)
        {
            var q = new DsqQuantizer(bits, signed ? ActivationSign.Signed : ActivationSign.Unsigned, initialAlpha: 0.3) { UseFusedKernel = fused };
            q.InitializeFrom(0.8f * x);
            return q;
        }

        // Terms of lower and upper stay below about 3, alpha's below about 4Δ (Δ < 1 here); tanh is libtorch's on the
        // composed path and exp-based in the kernel, so the input's gradient agrees to 1e-5 of g rather than in ulps.
        AssertAgree(Make(true), Make(false), x, Random(shape, seed: 18), inputTolerance: 1e-5, 4, 4, 4);
    }

    [Theory]
    [InlineData(new long[] { 7 }, 4, false)]
    [InlineData(new long[] { 16, 3, 5, 5 }, 2, false)]
    [InlineData(new long[] { 16, 3, 5, 5 }, 4, true)]
    [InlineData(new long[] { 3, 70001 }, 8, true)]
    [InlineData(new long[] { 64, 64, 3, 3 }, 4, false)]
    public void DoReFa_weights_agree_including_the_gradient_through_the_maximum(long[] shape, int bits, bool perChannel)
    {
        Tensor w = Random(shape, seed: 19, scale: 0.5f);
        DoReFaWeightQuantizer Make(bool fused) => new(bits, perChannel) { UseFusedKernel = fused };
        Tensor upstream = Random(shape, seed: 20);

        Outcome a = Run(Make(true), w, upstream);
        Outcome b = Run(Make(false), w, upstream);

        // The maximum's gradient is a sum over its row, added to the largest elements: it agrees to the summation order.
        Assert.Equal(b.Output, a.Output);
        float[] expected = b.InputGradient!, actual = a.InputGradient!;
        float largest = expected.Max(MathF.Abs);
        for (int i = 0; i < actual.Length; i++)
        {
            float ulp = MathF.BitIncrement(MathF.Abs(expected[i])) - MathF.Abs(expected[i]);
            Assert.True(MathF.Abs(actual[i] - expected[i]) <= (1e-5f * largest) + (4 * ulp), $"element {i}: composed {expected[i]}, fused {actual[i]}");
        }
    }

    [Fact]
    public void DoReFa_weights_share_the_maximum_s_gradient_among_tied_elements()
    {
        using Tensor w = tensor(new float[] { 0.5f, -0.5f, 0.2f, 0.1f, -0.3f, 0.5f, 0.05f, 0.4f, -0.1f });
        DoReFaWeightQuantizer Make(bool fused) => new(4) { UseFusedKernel = fused };
        Tensor upstream = Random([9], seed: 21);

        Outcome a = Run(Make(true), w, upstream);
        Outcome b = Run(Make(false), w, upstream);

        Assert.Equal(b.Output, a.Output);
        AssertWithinUlps(b.InputGradient!, a.InputGradient!, 8);
    }
}
