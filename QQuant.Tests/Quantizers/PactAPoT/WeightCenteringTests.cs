using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Configuration.ConfigurationTestSupport;
using static QQuant.Tests.Quantizers.Kernels.FusedAgreement;
using static QQuant.Tests.Quantizers.Properties.PropertySupport;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.PactAPoT;

/// <summary>
/// APoT's and uniform's weight standardisation with and without centring (<see cref="UniformOptions.CenterWeights"/>):
/// forward and gradients by hand in both paths, and the uncentred layer computing the float layer up to a
/// per-channel factor.
/// </summary>
public class WeightCenteringTests
{
    // x = [1, 2, 3]: μ = 2, σ = 1. At 8 bits with α = 10 the grid steps by 10/127 and nothing clips, so the rounding
    // passes the gradient straight through and the gradient of the output is the gradient of t with g = [1, 0, 0].
    // Not centred, t = x/σ = [1, 2, 3], Σ g·t = 1: (g − ((x − μ)/σ) · 1/2) / σ = [1.5, 0, −0.5].
    // Centred, t = (x − μ)/σ = [−1, 0, 1], Σ g·t = −1: g − mean g − t · (−1/2) = [1/6, −1/3, 1/6].
    [Theory]
    [InlineData(false, true, new[] { 1.5, 0, -0.5 })]
    [InlineData(false, false, new[] { 1.5, 0, -0.5 })]
    [InlineData(true, true, new[] { 1 / 6.0, -1 / 3.0, 1 / 6.0 })]
    [InlineData(true, false, new[] { 1 / 6.0, -1 / 3.0, 1 / 6.0 })]
    public void The_gradient_through_the_standardisation_matches_the_hand_computed_one(bool centered, bool fused, double[] expected)
    {
        using var scope = NewDisposeScope();
        var q = new APoTQuantizer(8, TensorRole.Weight, APoTGrid.Uniform, ActivationSign.Signed, initialClip: 10, centersWeight: centered)
        {
            UseFusedKernel = fused,
        };

        Outcome outcome = Run(q, tensor(new float[] { 1, 2, 3 }), tensor(new float[] { 1, 0, 0 }));

        Assert.Equal(fused, q.PassFor(tensor(new float[] { 1, 2, 3 })) is not null);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(Math.Abs(outcome.InputGradient![i] - expected[i]) < 1e-6, $"element {i}: {outcome.InputGradient[i]} vs {expected[i]}");
        }

        // The forward: α·round(t/α·127)/127 of t = [1, 2, 3] or [−1, 0, 1].
        double[] t = centered ? [-1, 0, 1] : [1, 2, 3];
        Close([.. t.Select(v => 10 * Math.Round(v / 10 * 127) / 127)], tensor(outcome.Output).to(float64), 1e-6);
    }

    [Fact]
    public void An_uncentred_eight_bit_layer_is_the_float_layer_up_to_each_channels_deviation()
    {
        // Not centred, the quantized weight is α·q(w/σ) ≈ w/σ per output channel; centred, it is (w − μ)/σ, whose
        // outputs lose μ times the sum of the input, which no per-channel factor undoes.
        using var scope = NewDisposeScope();
        using Linear linear = nn.Linear(50, 3, hasBias: false, dtype: float64);
        using (no_grad())
        {
            linear.weight!.copy_(Normal(41, [3, 50]).mul_(0.1).add_(tensor(new[] { 0.05, -0.02, 0.08 }, float64).view(3, 1)));
        }

        Tensor x = Normal(42, [8, 50]).abs_();
        Tensor std = linear.weight!.detach().std(1, keepdim: true).t();
        Tensor expected = linear.call(x) / std;
        QuantizedLayer Quantized(bool centered)
        {
            var layer = new QuantizedLinear(linear, QQuant.Quantizers.Uniform.Instance, new QuantLayerSettings(8, 32, new UniformOptions
            {
                PerChannelWeights = true, CenterWeights = centered,
            }));
            layer.to(float64);
            QuantCalibration.Calibrate(layer, [x]);
            layer.eval();
            return layer;
        }

        Tensor scaled = Quantized(false).call(x), centred = Quantized(true).call(x);

        double scale = expected.abs().max().item<double>();
        Assert.True((scaled - expected).abs().max().item<double>() < 0.02 * scale, "the uncentred layer is the float layer over σ");
        Assert.True((centred - expected).abs().max().item<double>() > 0.2 * scale, "the centred layer is not");
    }

    private static Tensor Normal(ulong seed, long[] shape)
    {
        using var generator = new Generator(seed);
        return randn(shape, float64, generator: generator);
    }

    private static string PolicyJson(string layer, string centerWeights) => ConvRuleJson(layer, "centerWeights", centerWeights);

    [Theory]
    [InlineData("UniformConv")]
    [InlineData("APoTConv")]
    public void The_option_binds_from_json_and_centring_is_the_default(string layer)
    {
        using var scope = NewDisposeScope();
        Sequential uncentred = SmallModel(5), byDefault = SmallModel(5);

        uncentred.Quantize(Bind(PolicyJson(layer, "false")));
        byDefault.Quantize(Bind($$"""{ "quantTransformer": { "type": "QuantTransformer", "policy": { "Conv2d": { "type": "{{layer}}", "w": 4, "a": 4 } } } }"""));

        Assert.False(Assert.IsType<APoTQuantizer>(LayerAt(uncentred, "conv").WeightQuantizer).CentersWeight);
        Assert.True(Assert.IsType<APoTQuantizer>(LayerAt(byDefault, "conv").WeightQuantizer).CentersWeight);
        Assert.True(new UniformOptions().CenterWeights);
    }
}
