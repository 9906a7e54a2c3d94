using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using static QQuant.Tests.Quantizers.Kernels.FusedAgreement;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Kernels;

/// <summary>
/// The fused LSQ kernel against the composed TorchSharp path (the reference, checked by hand and by finite
/// differences in the LSQ tests): the forward is equal element for element; the input's gradient within an ulp
/// (the composed graph computes <c>(g·s)/s</c>); the step's gradient within 1e-5 of the sum of its terms' magnitudes
/// (both sum float32 terms, in a different order).
/// </summary>
public sealed class LsqKernelAgreementTests
{
    public static TheoryData<long[], int, bool, bool, bool> Cases() => new()
    {
        // shape, bits, signed, per channel, gradient scaling
        { [7], 4, true, false, true },                   // shorter than one SIMD vector
        { [3, 5], 2, true, true, true },
        { [16, 3, 5, 5], 4, false, false, true },
        { [16, 3, 5, 5], 3, true, true, false },
        { [8, 64, 7, 7], 8, false, false, true },
        { [3, 70001], 4, true, true, true },             // rows of odd length that cross the parallel pieces
        { [2, 16, 56, 56], 4, false, false, true },      // an activation, split into pieces
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fused_and_composed_agree_in_forward_and_gradients(long[] shape, int bits, bool signed, bool perChannel, bool scaleGradient)
    {
        long channels = perChannel ? shape[0] : 1;
        (LsqQuantizer fused, LsqQuantizer composed) = Pair(bits, signed, channels, scaleGradient, seed: (ulong)shape.Sum());
        Tensor x = Random(shape, seed: 7);

        Outcome a = Run(fused, x);
        Outcome b = Run(composed, x);

        Assert.Equal(b.Output, a.Output);
        AssertWithinUlps(b.InputGradient, a.InputGradient, 1);
        for (int c = 0; c < a.StepGradient.Length; c++)
        {
            Assert.True(Math.Abs(a.StepGradient[c] - b.StepGradient[c]) <= 1e-5 * b.StepTermMagnitude[c] + 1e-12,
                $"channel {c}: fused {a.StepGradient[c]}, composed {b.StepGradient[c]}, terms {b.StepTermMagnitude[c]}");
        }
    }

    [Fact]
    public void A_negative_step_acts_with_its_magnitude_and_its_gradient_changes_sign()
    {
        (LsqQuantizer fused, LsqQuantizer composed) = Pair(4, true, 3, true, seed: 1);
        using (no_grad())
        {
            fused.Step.mul_(tensor(new float[] { -1, 1, 1 }));
            composed.Step.mul_(tensor(new float[] { -1, 1, 1 }));
        }

        Tensor x = Random([3, 40], seed: 2);
        Outcome a = Run(fused, x);
        Outcome b = Run(composed, x);

        Assert.Equal(b.Output, a.Output);
        Assert.Equal(b.StepGradient[0], a.StepGradient[0], 1e-5 * b.StepTermMagnitude[0]);
        Assert.True(a.StepGradient[0] != 0);
    }

    [Fact]
    public void A_step_below_the_floor_acts_as_the_floor_and_gets_no_gradient()
    {
        (LsqQuantizer fused, LsqQuantizer composed) = Pair(4, false, 1, true, seed: 3);
        using (no_grad())
        {
            fused.Step.fill_(1e-9);
            composed.Step.fill_(1e-9);
        }

        Tensor x = Random([4, 10], seed: 4) * 1e-7f;
        Outcome a = Run(fused, x);
        Outcome b = Run(composed, x);

        Assert.Equal(b.Output, a.Output);
        Assert.Equal(0, a.StepGradient[0]);
        Assert.Equal(b.StepGradient[0], a.StepGradient[0]);
    }

    [Fact]
    public void An_input_without_gradient_gives_the_step_its_gradient_and_the_input_none()
    {
        (LsqQuantizer fused, LsqQuantizer composed) = Pair(4, true, 1, true, seed: 5);
        using Tensor x = Random([2, 3, 8, 8], seed: 6).detach();

        using Tensor yFused = fused.call(x);
        using Tensor yComposed = composed.call(x);
        using (Tensor loss = (yFused * yFused).sum())
        {
            loss.backward();
        }

        using (Tensor loss = (yComposed * yComposed).sum())
        {
            loss.backward();
        }

        Assert.Null(x.grad);
        Assert.Equal(composed.Step.grad!.item<float>(), fused.Step.grad!.item<float>(), 1e-3);
    }

    [Fact]
    public void Without_gradient_recording_the_fused_forward_is_the_composed_one()
    {
        (LsqQuantizer fused, LsqQuantizer composed) = Pair(4, true, 16, true, seed: 8);
        using Tensor x = Random([16, 3, 3, 3], seed: 9);
        fused.eval();
        composed.eval();
        using var noGrad = no_grad();

        using Tensor a = fused.call(x);
        using Tensor b = composed.call(x);

        Assert.False(a.requires_grad);
        Assert.Equal(Floats(b), Floats(a));
    }

    [Fact]
    public void A_non_contiguous_or_float64_input_takes_the_composed_path_with_the_same_values()
    {
        (LsqQuantizer fused, LsqQuantizer composed) = Pair(4, true, 1, true, seed: 10);
        using Tensor x = Random([6, 10], seed: 11).detach();
        using Tensor transposed = x.t();

        using Tensor a = fused.call(transposed);
        using Tensor b = composed.call(transposed.contiguous());

        Assert.False(transposed.is_contiguous());
        Assert.Equal(Floats(b), Floats(a));
    }

    private sealed record Outcome(float[] Output, float[] InputGradient, double[] StepGradient, double[] StepTermMagnitude);

    private static Outcome Run(LsqQuantizer quantizer, Tensor input)
    {
        using var scope = NewDisposeScope();
        quantizer.Step.grad?.zero_();
        Tensor x = input.detach().requires_grad_(true);
        Tensor y = quantizer.call(x);
        // A fixed, uneven upstream gradient, so every term of the step's sum counts.
        Tensor upstream = Random(input.shape, seed: 99);
        (y * upstream).sum().backward();
        double[] magnitudes = StepTermMagnitudes(quantizer, x.detach(), upstream);
        return new Outcome(Floats(y), Floats(x.grad!), [.. quantizer.Step.grad!.to(float64).data<double>().ToArray()], magnitudes);
    }

    /// <summary>Σ |g·∂q/∂s| per channel, in float64: the scale of the step's gradient's rounding error.</summary>
    private static double[] StepTermMagnitudes(LsqQuantizer quantizer, Tensor x, Tensor upstream)
    {
        long channels = quantizer.Step.numel();
        Tensor s = quantizer.Step.detach().abs().to(float64);
        Tensor rows = x.to(float64).reshape(channels, -1);
        Tensor v = rows / s.view(-1, 1);
        IntegerRange range = IntegerRange.Of(quantizer.Bits, quantizer.IsSigned);
        Tensor term = where(v < range.Min, full_like(v, range.Min), where(v > range.Max, full_like(v, range.Max), v.round() - v));
        Tensor scale = tensor(quantizer.ScalesGradient ? 1.0 / Math.Sqrt(Math.Max(1, ElementsPerStep(quantizer, x)) * range.Max) : 1.0, dtype: float64);
        return [.. ((term * upstream.to(float64).reshape(channels, -1)).abs().sum(1) * scale).data<double>().ToArray()];
    }

    private static long ElementsPerStep(LsqQuantizer quantizer, Tensor x) =>
        quantizer.Role == TensorRole.Weight ? x.numel() / quantizer.Step.numel() : x.dim() > 1 ? x.numel() / x.shape[0] : x.numel();

    private static (LsqQuantizer Fused, LsqQuantizer Composed) Pair(int bits, bool signed, long channels, bool scaleGradient, ulong seed)
    {
        LsqQuantizer Make(bool useFused)
        {
            var q = new LsqQuantizer(bits, TensorRole.Weight, signed ? ActivationSign.Signed : ActivationSign.Unsigned, channels, scaleGradient)
            {
                UseFusedKernel = useFused,
            };
            using var data = Random([channels, 50], seed);
            q.InitializeFrom(data);
            return q;
        }

        return (Make(true), Make(false));
    }
}
