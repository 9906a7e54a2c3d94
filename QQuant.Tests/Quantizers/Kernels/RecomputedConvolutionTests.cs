using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Quantizers.Kernels.FusedAgreement;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Kernels;

using Lsq = QQuant.Quantizers.Lsq;
using Uniform = QQuant.Quantizers.Uniform;

/// <summary>
/// A quantized convolution whose quantizers have fused passes runs quantization and convolution as one node that
/// recomputes the quantized input and weight in its backward (libtorch's convolution backward through TorchScript).
/// It must give exactly what the layer gives when it keeps them: same kernels, same order.
/// </summary>
public class RecomputedConvolutionTests
{
    public static TheoryData<string, string, Recomputed> Cases()
    {
        var data = new TheoryData<string, string, Recomputed>();
        foreach (string method in new[] { "LSQ", "LSQ+", "DSQ", "DoReFa", "PACT", "APoT", "uniform", "8-bit" })
        {
            foreach (Recomputed recomputed in new[] { Recomputed.Input, Recomputed.Weight, Recomputed.Both })
            {
                data.Add(method, "padding 1", recomputed);
            }
        }

        foreach (string geometry in new[] { "stride 2 padding 1x2", "dilation 2 groups 2", "no bias", "reflect", "same" })
        {
            data.Add("LSQ", geometry, Recomputed.Both);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Recomputing_the_quantized_tensors_gives_the_same_output_and_gradients(string method, string geometry, Recomputed recomputed)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(5);
        QuantizedConv2d layer = Layer(method, Conv(geometry));
        Tensor input = Random([3, 4, 9, 8], seed: 11);
        if (method != "8-bit")
        {
            QuantCalibration.Calibrate(layer, [input]); // the 8-bit grid has no state
        }

        layer.train();
        Assert.NotNull(((Quantizer)layer.InputQuantizer).PassFor(input));
        Assert.NotNull(((Quantizer)layer.WeightQuantizer).PassFor(layer.weight));

        Outcome kept = Step(layer, input, Recomputed.None);
        Outcome again = Step(layer, input, recomputed);

        Assert.Equal(kept.Output, again.Output);
        Assert.Equal(kept.InputGradient, again.InputGradient);
        Assert.Equal(kept.ParameterGradients.Length, again.ParameterGradients.Length);
        for (int p = 0; p < kept.ParameterGradients.Length; p++)
        {
            Assert.Equal(kept.ParameterGradients[p], again.ParameterGradients[p]);
        }
    }

    [Fact]
    public void An_input_without_gradient_still_trains_the_weight_and_the_quantizer()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(6);
        QuantizedConv2d layer = Layer("LSQ", Conv("padding 1"));
        Tensor input = Random([2, 4, 7, 7], seed: 12);
        QuantCalibration.Calibrate(layer, [input]);
        layer.train();

        Outcome kept = Step(layer, input, Recomputed.None, inputGradient: false);
        Outcome recomputed = Step(layer, input, Recomputed.Both, inputGradient: false);

        Assert.Null(recomputed.InputGradient);
        Assert.All(recomputed.ParameterGradients, g => Assert.NotEmpty(g));
        for (int p = 0; p < kept.ParameterGradients.Length; p++)
        {
            Assert.Equal(kept.ParameterGradients[p], recomputed.ParameterGradients[p]);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_policy_s_recompute_option_sets_both_switches_of_each_convolution(bool recompute)
    {
        using var model = nn.Sequential(("conv", nn.Conv2d(3, 4, 3, padding: 1)), ("relu", nn.ReLU()), ("out", nn.Conv2d(4, 2, 1)));

        model.Quantize(QuantPolicy.For<Conv2d>().Use<LSQConv>(4, 4, o => o.RecomputeQuantized = recompute).Build());

        QuantizedConv2d[] convs = [.. model.modules().OfType<QuantizedConv2d>()];
        Assert.Equal(2, convs.Length);
        Assert.All(convs, c => Assert.Equal((recompute, recompute), (c.RecomputeQuantizedInput, c.RecomputeQuantizedWeight)));
    }

    [Fact]
    public void A_training_step_runs_each_pass_forward_twice_and_its_backward_once_instead_of_calling_the_quantizers()
    {
        using var scope = NewDisposeScope();
        CountingQuantizer inputs = new(), weights = new();
        using var layer = new CountingConv(nn.Conv2d(2, 3, 3, padding: 1), inputs, weights);
        Tensor input = Random([2, 2, 5, 5], seed: 13).requires_grad_(true);

        layer.call(input).sum().backward();

        Assert.Equal((0, 2, 1), (inputs.ModuleCalls, inputs.PassForwards, inputs.PassBackwards));
        Assert.Equal((0, 2, 1), (weights.ModuleCalls, weights.PassForwards, weights.PassBackwards));
        Assert.NotNull(input.grad);
        Assert.NotNull(layer.weight.grad);
    }

    [Fact]
    public void A_gradient_handed_to_autograd_is_released_when_the_next_backward_runs()
    {
        using var scope = NewDisposeScope();
        CountingQuantizer first = new(), second = new();
        using var a = new CountingConv(nn.Conv2d(2, 2, 3, padding: 1), first, new CountingQuantizer());
        using var b = new CountingConv(nn.Conv2d(2, 2, 3, padding: 1), second, new CountingQuantizer());
        Tensor input = Random([1, 2, 5, 5], seed: 16).requires_grad_(true);

        b.call(a.call(input)).sum().backward();

        // b's node ran first; its gradient, copied into libtorch's graph, no longer waits for the dispose scope.
        Assert.True(second.Returned.Single().IsInvalid);
        Assert.True(input.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void An_evaluation_forward_with_autograd_reuses_the_cached_weight_instead_of_its_pass()
    {
        using var scope = NewDisposeScope();
        CountingQuantizer inputs = new(), weights = new();
        using var layer = new CountingConv(nn.Conv2d(2, 3, 3, padding: 1), inputs, weights);
        layer.eval();
        layer.weight.requires_grad_(false);
        Tensor input = Random([2, 2, 5, 5], seed: 15).requires_grad_(true);

        layer.call(input).sum().backward();
        layer.call(input).sum().backward();

        Assert.Equal((1, 1, 0), (weights.ModuleCalls, weights.PassForwards, weights.PassBackwards));
        Assert.Equal((0, 4, 2), (inputs.ModuleCalls, inputs.PassForwards, inputs.PassBackwards));
    }

    [Fact]
    public void Without_autograd_a_hook_or_recomputation_the_quantizer_module_is_called()
    {
        using var scope = NewDisposeScope();
        var quantizer = new CountingQuantizer();
        using var layer = new CountingConv(nn.Conv2d(2, 3, 3, padding: 1), quantizer, new CountingQuantizer());
        Tensor input = Random([2, 2, 5, 5], seed: 14).requires_grad_(true);

        using (no_grad())
        {
            layer.call(input);
        }

        Assert.Equal(1, quantizer.ModuleCalls);

        layer.RecomputeQuantizedInput = false;
        layer.call(input).sum().backward();
        Assert.Equal((2, 2, 1), (quantizer.ModuleCalls, quantizer.PassForwards, quantizer.PassBackwards));

        layer.RecomputeQuantizedInput = true;
        int hooked = 0;
        var hook = quantizer.register_forward_hook((_, _, output) =>
        {
            hooked++;
            return output;
        });
        layer.call(input).sum().backward();
        hook.remove();

        Assert.Equal((1, 3), (hooked, quantizer.ModuleCalls));
    }

    public enum Recomputed
    {
        None,
        Input,
        Weight,
        Both,
    }

    private static Outcome Step(QuantizedConv2d layer, Tensor input, Recomputed recomputed, bool inputGradient = true)
    {
        layer.RecomputeQuantizedInput = recomputed is Recomputed.Input or Recomputed.Both;
        layer.RecomputeQuantizedWeight = recomputed is Recomputed.Weight or Recomputed.Both;
        Tensor upstream;
        using (no_grad())
        {
            using Tensor probe = layer.call(input);
            upstream = Random(probe.shape, seed: 21);
        }

        return Run(layer, input, upstream, inputGradient);
    }

    private static Conv2d Conv(string geometry) => geometry switch
    {
        "padding 1" => nn.Conv2d(4, 6, 3, padding: 1),
        "stride 2 padding 1x2" => nn.Conv2d(4, 6, (3L, 3L), stride: (2L, 2L), padding: (1L, 2L)),
        "dilation 2 groups 2" => nn.Conv2d(4, 6, 3, padding: 2, dilation: 2, groups: 2),
        "no bias" => nn.Conv2d(4, 6, 3, padding: 1, bias: false),
        "reflect" => nn.Conv2d(4, 6, 3, padding: 1, padding_mode: PaddingModes.Reflect),
        "same" => nn.Conv2d(4, 6, 3, padding: Padding.Same),
        _ => throw new ArgumentOutOfRangeException(nameof(geometry), geometry, null),
    };

    private static QuantizedConv2d Layer(string method, Conv2d conv)
    {
        var settings = new QuantLayerSettings(4, 4, new QuantLayerOptions());
        return method switch
        {
            "LSQ" => new QuantizedConv2d(conv, Lsq.Instance, settings),
            "LSQ+" => new QuantizedConv2d(conv, LsqPlus.Instance, settings),
            "DSQ" => new QuantizedConv2d(conv, Dsq.Instance, settings),
            "DoReFa" => new QuantizedConv2d(conv, DoReFa.Instance, settings),
            "PACT" => new QuantizedConv2d(conv, Pact.Instance, settings),
            "APoT" => new QuantizedConv2d(conv, APoT.Instance, settings),
            "uniform" => new QuantizedConv2d(conv, Uniform.Instance, settings),
            "8-bit" => new QuantizedConv2d(conv, EightBit.Instance, new QuantLayerSettings(8, 8, new QuantLayerOptions())),
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
        };
    }

    /// <summary>A quantizer whose pass rounds to quarters (straight-through) and counts how it is used.</summary>
    private sealed class CountingQuantizer() : Quantizer(nameof(CountingQuantizer), 4)
    {
        public int ModuleCalls { get; set; }

        public int PassForwards { get; set; }

        public int PassBackwards { get; set; }

        public List<Tensor> Returned { get; } = [];

        public override Tensor forward(Tensor input)
        {
            ModuleCalls++;
            return CreatePass(input)!.Apply(input);
        }

        protected override QuantizationPass? CreatePass(Tensor input) => new Quarters(this);

        private sealed class Quarters(CountingQuantizer owner) : QuantizationPass
        {
            public override IReadOnlyList<Tensor> Parameters => [];

            public override Tensor Forward(Tensor input)
            {
                owner.PassForwards++;
                using Tensor scaled = input * 4;
                using Tensor rounded = scaled.round_();
                return rounded / 4;
            }

            public override (Tensor? Input, IReadOnlyList<Tensor> Parameters) Backward(Tensor input, Tensor gradient, bool inputNeedsGradient)
            {
                owner.PassBackwards++;
                Tensor? result = inputNeedsGradient ? gradient.clone() : null;
                if (result is not null)
                {
                    owner.Returned.Add(result);
                }

                return (result, []);
            }
        }
    }

    private sealed class CountingConv(Conv2d source, CountingQuantizer input, CountingQuantizer weight)
        : QuantizedConv2d(nameof(CountingConv), source, new QuantLayerSettings(4, 4, new QuantLayerOptions()), () => weight, () => input);
}
