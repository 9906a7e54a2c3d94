using QQuant;
using QQuant.Quantizers;
using static QQuant.Tests.Quantizers.Kernels.FusedAgreement;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Kernels;

/// <summary>
/// APoT's and the uniform grid's fused weight pass (standardisation, grid, and the gradient back through the mean and
/// the deviation, or only the deviation when the weight is not centred) against the composed path, which differentiates
/// the standardisation with autograd.
/// </summary>
public sealed class StandardizedWeightAgreementTests
{
    public static TheoryData<long[], int, APoTGrid, bool, ClippedWeightGradient, bool> Weights() => new()
    {
        // shape, bits, grid, per channel, gradient beyond the clip, centred
        { [7], 4, APoTGrid.PowerOfTwo, false, ClippedWeightGradient.PassAtTwoBits, true },          // shorter than one SIMD vector
        { [16, 3, 5, 5], 4, APoTGrid.PowerOfTwo, false, ClippedWeightGradient.PassAtTwoBits, true },
        { [16, 3, 5, 5], 3, APoTGrid.PowerOfTwo, true, ClippedWeightGradient.PassAtTwoBits, true },
        { [16, 3, 5, 5], 4, APoTGrid.Uniform, true, ClippedWeightGradient.PassAtTwoBits, true },
        { [16, 3, 5, 5], 4, APoTGrid.PowerOfTwo, true, ClippedWeightGradient.Pass, true },
        { [64, 64, 3, 3], 2, APoTGrid.Uniform, false, ClippedWeightGradient.PassAtTwoBits, true },  // split into parallel pieces
        { [64, 64, 3, 3], 2, APoTGrid.PowerOfTwo, false, ClippedWeightGradient.Zero, true },
        { [3, 70001], 5, APoTGrid.PowerOfTwo, true, ClippedWeightGradient.PassAtTwoBits, true },    // rows split across pieces
        { [7], 4, APoTGrid.Uniform, false, ClippedWeightGradient.PassAtTwoBits, false },
        { [16, 3, 5, 5], 3, APoTGrid.PowerOfTwo, true, ClippedWeightGradient.PassAtTwoBits, false },
        { [64, 64, 3, 3], 2, APoTGrid.Uniform, false, ClippedWeightGradient.Pass, false },
        { [3, 70001], 8, APoTGrid.Uniform, true, ClippedWeightGradient.PassAtTwoBits, false },
    };

    [Theory]
    [MemberData(nameof(Weights))]
    public void Weights_agree_in_the_forward_and_in_the_gradients_through_the_standardisation(
        long[] shape, int bits, APoTGrid grid, bool perChannel, ClippedWeightGradient clipped, bool centered)
    {
        using var scope = NewDisposeScope();
        long channels = perChannel ? shape[0] : 1;
        APoTQuantizer Make(bool fused)
        {
            var q = new APoTQuantizer(bits, TensorRole.Weight, grid, ActivationSign.Signed, channels, initialClip: 1.7, clippedGradient: clipped,
                centersWeight: centered)
            {
                UseFusedKernel = fused,
            };
            using (no_grad())
            {
                q.Alpha.copy_(linspace(1.2, 2.2, channels)); // some elements clip, some rows differently
            }

            return q;
        }

        Tensor w = Random(shape, seed: 31, scale: 0.2f).add_(0.05);
        // With a mean and a part along w, so the mean's and the deviation's terms of the gradient are large.
        Tensor upstream = Random(shape, seed: 32).add_(0.5).add_(w, alpha: 3);
        APoTQuantizer fused = Make(true);
        Assert.NotNull(fused.PassFor(w));

        Outcome a = Run(fused, w, upstream);
        Outcome b = Run(Make(false), w, upstream);

        Assert.Equal(b.Output, a.Output);
        // Each element's gradient is (g − mean g − ((x − μ)/σ) · Σ(g·t)/(n − 1)) / σ: sums taken in different orders.
        using Tensor rows = w.view(channels, -1);
        double smallestStd = rows.std(1).min().item<float>();
        double largestT = Math.Max((rows - rows.mean([1], keepdim: true)).abs().max().item<float>(), rows.abs().max().item<float>()) / smallestStd;
        double largestG = upstream.abs().max().item<float>();
        double tolerance = 1e-5 * largestG * (2 + (largestT * largestT)) / smallestStd;
        for (int i = 0; i < a.InputGradient!.Length; i++)
        {
            Assert.True(Math.Abs(a.InputGradient[i] - b.InputGradient![i]) <= tolerance,
                $"element {i}: composed {b.InputGradient![i]}, fused {a.InputGradient[i]}, tolerance {tolerance}");
        }

        double mass = upstream.abs().sum().item<float>();
        for (int c = 0; c < channels; c++)
        {
            // α's terms are bounded by 1 per unit of upstream gradient.
            Assert.True(Math.Abs(a.ParameterGradients[0][c] - b.ParameterGradients[0][c]) <= (1e-5 * mass) + 1e-12,
                $"alpha[{c}]: composed {b.ParameterGradients[0][c]}, fused {a.ParameterGradients[0][c]}");
        }
    }

    [Fact]
    public void A_row_without_spread_standardises_to_zero_and_passes_the_gradient_minus_its_mean()
    {
        using var scope = NewDisposeScope();
        var q = new APoTQuantizer(4, TensorRole.Weight, APoTGrid.PowerOfTwo, ActivationSign.Signed, channels: 2);
        // Row 0 is constant (σ = 0 acts as the constant 1); row 1 is not.
        Tensor w = tensor(new float[] { 0.3f, 0.3f, 0.3f, 0.3f, -0.2f, 0.1f, 0.4f, 0.0f }).view(2, 4);
        Tensor upstream = tensor(new float[] { 1, 2, 3, 6, 0.5f, -1, 2, 1 }).view(2, 4);

        Outcome fused = Run(q, w, upstream);

        Assert.Equal([0f, 0, 0, 0], fused.Output[..4]);
        // t = 0 lies inside the clip, so t's gradient is g, and only the mean's term remains: g − mean g = g − 3.
        Assert.Equal([-2f, -1, 0, 3], fused.InputGradient![..4]);
        Assert.All(fused.InputGradient, v => Assert.True(float.IsFinite(v)));
    }
}
