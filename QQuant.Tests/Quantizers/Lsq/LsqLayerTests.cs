using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Lsq;

using Lsq = QQuant.Quantizers.Lsq;

/// <summary>LSQConv, LSQLinear, LSQPlusConv and LSQPlusLinear: state-dict names, shapes, options and forward.</summary>
public class LsqLayerTests
{
    private static readonly string[] LsqKeys =
    [
        "weight", "bias",
        "weight_quantizer.step", "weight_quantizer.initialized", "weight_quantizer.signed",
        "input_quantizer.step", "input_quantizer.initialized", "input_quantizer.signed",
    ];

    private static QuantLayerSettings Settings(QuantLayerOptions options, int w = 4, int a = 4) => new(w, a, options);

    private static nn.Module<Tensor, Tensor> Build(string layer, QuantLayerOptions options, bool bias = true) => layer switch
    {
        "LSQConv" => new QuantizedConv2d(nn.Conv2d(2, 3, 3, bias: bias), Lsq.Instance, Settings(options)),
        "LSQLinear" => new QuantizedLinear(nn.Linear(5, 3, hasBias: bias), Lsq.Instance, Settings(options)),
        "LSQPlusConv" => new QuantizedConv2d(nn.Conv2d(2, 3, 3, bias: bias), LsqPlus.Instance, Settings(options)),
        "LSQPlusLinear" => new QuantizedLinear(nn.Linear(5, 3, hasBias: bias), LsqPlus.Instance, Settings(options)),
        _ => throw new ArgumentException(layer),
    };

    public static TheoryData<string> Layers() => ["LSQConv", "LSQLinear", "LSQPlusConv", "LSQPlusLinear"];

    private static bool IsPlus(string layer) => layer.StartsWith("LSQPlus", StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(Layers))]
    public void The_state_dict_names_weight_bias_and_the_quantizers_state(string layer)
    {
        using var scope = NewDisposeScope();
        using var module = Build(layer, IsPlus(layer) ? new LsqPlusOptions() : new LsqOptions());

        string[] expected = IsPlus(layer) ? [.. LsqKeys, "input_quantizer.offset"] : LsqKeys;
        Assert.Equal(expected.Order(), module.state_dict().Keys.Order());
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void Without_bias_there_is_no_bias_key(string layer)
    {
        using var scope = NewDisposeScope();
        using var module = Build(layer, new QuantLayerOptions(), bias: false);

        Assert.DoesNotContain("bias", module.state_dict().Keys);
        Assert.Contains("weight_quantizer.step", module.state_dict().Keys);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void Per_channel_weights_have_one_step_per_output_channel(string layer)
    {
        using var scope = NewDisposeScope();
        QuantLayerOptions perChannel = IsPlus(layer) ? new LsqPlusOptions { PerChannelWeights = true } : new LsqOptions { PerChannelWeights = true };
        using var channels = Build(layer, perChannel);
        using var perTensor = Build(layer, IsPlus(layer) ? new LsqPlusOptions() : new LsqOptions());

        Assert.Equal([3L], channels.state_dict()["weight_quantizer.step"].shape);
        Assert.Equal([1L], perTensor.state_dict()["weight_quantizer.step"].shape);
        Assert.Equal([1L], channels.state_dict()["input_quantizer.step"].shape);
        Assert.True(((CalibratedQuantizer)((IQuantizedLayer)channels).WeightQuantizer).PerChannel);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void The_weight_quantizer_is_signed_and_the_input_quantizer_follows_the_activation_sign(string layer)
    {
        using var scope = NewDisposeScope();
        QuantLayerOptions options = IsPlus(layer)
            ? new LsqPlusOptions { ActivationSign = ActivationSign.Unsigned }
            : new LsqOptions { ActivationSign = ActivationSign.Unsigned };
        using var module = Build(layer, options);
        var quantized = (IQuantizedLayer)module;

        var weight = (CalibratedQuantizer)quantized.WeightQuantizer;
        var input = (CalibratedQuantizer)quantized.InputQuantizer;
        Assert.Equal(ActivationSign.Signed, weight.Sign);
        Assert.Equal(ActivationSign.Unsigned, input.Sign);
        Assert.Equal(4, weight.Bits);
        Assert.Equal(4, input.Bits);
        Assert.IsType(IsPlus(layer) ? typeof(LsqPlusQuantizer) : typeof(LsqQuantizer), weight);
        Assert.IsType(IsPlus(layer) ? typeof(LsqPlusQuantizer) : typeof(LsqQuantizer), input);
    }

    [Theory]
    [InlineData("LSQConv", false)]
    [InlineData("LSQConv", true)]
    [InlineData("LSQLinear", false)]
    [InlineData("LSQPlusConv", false)]
    [InlineData("LSQPlusLinear", false)]
    [InlineData("LSQPlusLinear", true)]
    public void The_scale_gradient_option_reaches_both_quantizers(string layer, bool scaleGradient)
    {
        using var scope = NewDisposeScope();
        QuantLayerOptions options = IsPlus(layer)
            ? new LsqPlusOptions { ScaleGradient = scaleGradient }
            : new LsqOptions { ScaleGradient = scaleGradient };
        using var module = Build(layer, options);
        var quantized = (IQuantizedLayer)module;

        bool Scales(IQuantizer q) => q switch
        {
            LsqQuantizer lsq => lsq.ScalesGradient,
            LsqPlusQuantizer plus => plus.ScalesGradient,
            _ => throw new InvalidOperationException(q.GetType().Name),
        };
        Assert.Equal(scaleGradient, Scales(quantized.WeightQuantizer));
        Assert.Equal(scaleGradient, Scales(quantized.InputQuantizer));
    }

    [Theory]
    [InlineData("LSQConv")]
    [InlineData("LSQPlusLinear")]
    public void Plain_options_give_the_defaults(string layer)
    {
        using var scope = NewDisposeScope();
        using var module = Build(layer, new QuantLayerOptions());
        var quantized = (IQuantizedLayer)module;

        if (quantized.InputQuantizer is LsqPlusQuantizer plus)
        {
            Assert.True(plus.ScalesGradient);
            Assert.NotNull(plus.Offset);
            Assert.Null(((LsqPlusQuantizer)quantized.WeightQuantizer).Offset);
        }
        else
        {
            Assert.True(((LsqQuantizer)quantized.InputQuantizer).ScalesGradient);
            Assert.True(((LsqQuantizer)quantized.WeightQuantizer).ScalesGradient);
        }
    }

    [Theory]
    [InlineData("LSQPlusConv")]
    [InlineData("LSQPlusLinear")]
    public void Without_learn_offset_the_input_has_no_offset(string layer)
    {
        using var scope = NewDisposeScope();
        using var module = Build(layer, new LsqPlusOptions { LearnOffset = false });
        var quantized = (IQuantizedLayer)module;

        Assert.Null(((LsqPlusQuantizer)quantized.InputQuantizer).Offset);
        Assert.Equal(LsqKeys.Order(), module.state_dict().Keys.Order());
    }

    [Fact]
    public void Without_input_quantization_the_input_quantizer_has_no_state()
    {
        using var scope = NewDisposeScope();
        using var module = Build("LSQPlusLinear", new LsqPlusOptions { QuantizeInput = false });

        Assert.Equal(
            new[] { "bias", "weight", "weight_quantizer.initialized", "weight_quantizer.signed", "weight_quantizer.step" },
            module.state_dict().Keys.Order());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LSQLinear_initialises_both_steps_and_computes_the_linear_of_the_quantized_tensors(bool perChannel)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        using Linear linear = nn.Linear(6, 3, dtype: float64);
        using var layer = new QuantizedLinear(linear, Lsq.Instance, Settings(new LsqOptions { PerChannelWeights = perChannel }));
        layer.to(float64);
        Tensor x = randn([4, 6], dtype: float64, generator: generator);

        Tensor y = layer.call(x);

        // By hand: weight signed 4 bits, s_w = 2 · mean|w| / √7 (per row when per channel); the input has negatives, so
        // it is signed too, s_x = 2 · mean|x| / √7; q = round(clamp(v / s, -8, 7)) · s.
        Tensor w = linear.weight.detach();
        Tensor sw = perChannel ? 2 * w.abs().mean([1L], keepdim: true) / Math.Sqrt(7) : 2 * w.abs().mean() / Math.Sqrt(7);
        Tensor sx = 2 * x.abs().mean() / Math.Sqrt(7);
        Tensor qw = (w / sw).clamp(-8, 7).round() * sw;
        Tensor qx = (x / sx).clamp(-8, 7).round() * sx;
        Close(sw.flatten(), layer.state_dict()["weight_quantizer.step"], 1e-12);
        Close(sx.reshape(1), layer.state_dict()["input_quantizer.step"], 1e-12);
        Close(nn.functional.linear(qx, qw, linear.bias!.detach()), y, 1e-12);
    }

    [Fact]
    public void LSQPlusConv_initialises_both_quantizers_and_computes_the_conv_of_the_quantized_tensors()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(4);
        using Conv2d conv = nn.Conv2d(2, 3, 3, padding: 1, dtype: float64);
        using var layer = new QuantizedConv2d(conv, LsqPlus.Instance, Settings(new LsqPlusOptions { PerChannelWeights = true, ActivationInit = RangeInitialization.MinMax }, w: 4, a: 2));
        layer.to(float64);
        Tensor x = randn([2, 2, 5, 5], dtype: float64, generator: generator);

        Tensor y = layer.call(x);

        // By hand. Weight, 4 bits, per output channel: s = max(|μ - 3σ|, |μ + 3σ|) / 8 with unbiased σ;
        // q = round(clamp(w/s, -8, 7)) · s. Input, signed 2 bits (negatives): s = (max - min)/3, β = min + 2s;
        // q = round(clamp((x - β)/s, -2, 1)) · s + β.
        Tensor w = conv.weight.detach().reshape(3, -1);
        Tensor mean = w.mean([1L], keepdim: true), spread = 3 * w.std(1, unbiased: true, keepdim: true);
        Tensor sw = maximum((mean - spread).abs(), (mean + spread).abs()) / 8;
        Tensor qw = ((w / sw).clamp(-8, 7).round() * sw).reshape(conv.weight.shape);
        double min = x.min().ToDouble(), max = x.max().ToDouble();
        double sx = (max - min) / 3, beta = min + 2 * sx;
        Tensor qx = ((x - beta) / sx).clamp(-2, 1).round() * sx + beta;
        Close(sw.flatten(), layer.state_dict()["weight_quantizer.step"], 1e-12);
        Close([sx], layer.state_dict()["input_quantizer.step"], 1e-12);
        Close([beta], layer.state_dict()["input_quantizer.offset"], 1e-12);
        Tensor expected = nn.functional.conv2d(qx, qw, conv.bias!.detach(), padding: [1, 1]);
        Close(expected, y, 1e-12);
    }

    [Theory]
    [InlineData("LSQLinear", false)]
    [InlineData("LSQLinear", true)]
    [InlineData("LSQPlusLinear", false)]
    [InlineData("LSQPlusLinear", true)]
    public void Turning_gradient_scaling_off_multiplies_the_step_gradients_by_root_N_Qp(string kind, bool perChannel)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(9);
        using Linear linear = nn.Linear(6, 3, dtype: float64);
        Tensor x = randn([4, 6], dtype: float64, generator: generator);
        Tensor c = randn([4, 3], dtype: float64, generator: generator);

        (Tensor weightStep, Tensor inputStep, Tensor? offset) Gradients(bool scaleGradient)
        {
            QuantLayerOptions options = kind == "LSQLinear"
                ? new LsqOptions { PerChannelWeights = perChannel, ScaleGradient = scaleGradient }
                : new LsqPlusOptions { PerChannelWeights = perChannel, ScaleGradient = scaleGradient };
            using nn.Module<Tensor, Tensor> layer = kind == "LSQLinear"
                ? new QuantizedLinear(linear, Lsq.Instance, Settings(options))
                : new QuantizedLinear(linear, LsqPlus.Instance, Settings(options));
            layer.to(float64);
            (layer.call(x) * c).sum().backward();
            var parameters = layer.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            return (parameters["weight_quantizer.step"].grad!.clone(), parameters["input_quantizer.step"].grad!.clone(),
                parameters.GetValueOrDefault("input_quantizer.offset")?.grad?.clone());
        }

        var scaled = Gradients(true);
        var plain = Gradients(false);

        // Signed 4 bits (Qp = 7) for both. Weight [3, 6]: N = 18 per tensor or 6 per channel. Input [4, 6]: N = 6
        // features per sample. Unscaled = scaled · √(N · Qp).
        double weightFactor = Math.Sqrt((perChannel ? 6 : 18) * 7.0);
        double inputFactor = Math.Sqrt(6 * 7.0);
        Close(scaled.weightStep * weightFactor, plain.weightStep, 1e-9);
        Close(scaled.inputStep * inputFactor, plain.inputStep, 1e-9);
        if (kind == "LSQPlusLinear")
        {
            Close(scaled.offset! * inputFactor, plain.offset!, 1e-9);
        }
    }

    [Fact]
    public void The_layers_offer_their_own_options()
    {
        Assert.IsType<LsqOptions>(QuantLayerDescriptor.Of<LSQConv>().CreateOptions());
        Assert.IsType<LsqOptions>(QuantLayerDescriptor.Of<LSQLinear>().CreateOptions());
        Assert.IsType<LsqPlusOptions>(QuantLayerDescriptor.Of<LSQPlusConv>().CreateOptions());
        Assert.IsType<LsqPlusOptions>(QuantLayerDescriptor.Of<LSQPlusLinear>().CreateOptions());
    }

    [Theory]
    // LSQ: a signed 1-bit weight is impossible.
    [InlineData("LSQLinear", 1, 4, ActivationSign.Auto, true)]
    // LSQ: a 1-bit input is fine when it is unsigned, not when it may be signed.
    [InlineData("LSQLinear", 4, 1, ActivationSign.Unsigned, false)]
    [InlineData("LSQConv", 4, 1, ActivationSign.Auto, true)]
    [InlineData("LSQConv", 4, 1, ActivationSign.Signed, true)]
    // LSQ+: 1 bit is impossible for either tensor.
    [InlineData("LSQPlusLinear", 4, 1, ActivationSign.Unsigned, true)]
    [InlineData("LSQPlusConv", 1, 4, ActivationSign.Auto, true)]
    [InlineData("LSQPlusConv", 2, 2, ActivationSign.Auto, false)]
    public void Settings_are_validated_against_the_bit_limits(string layer, int w, int a, ActivationSign sign, bool problem)
    {
        var settings = new QuantLayerSettings(w, a, new QuantLayerOptions { ActivationSign = sign, PerChannelWeights = true });

        IEnumerable<string> problems = layer switch
        {
            "LSQLinear" => QuantLayerDescriptor.Of<LSQLinear>().Scheme!.Validate("LSQLinear", settings),
            "LSQConv" => QuantLayerDescriptor.Of<LSQConv>().Scheme!.Validate("LSQConv", settings),
            "LSQPlusLinear" => QuantLayerDescriptor.Of<LSQPlusLinear>().Scheme!.Validate("LSQPlusLinear", settings),
            _ => QuantLayerDescriptor.Of<LSQPlusConv>().Scheme!.Validate("LSQPlusConv", settings),
        };

        Assert.Equal(problem, problems.Any());
    }

    [Fact]
    public void Lsq_plus_layers_refuse_plain_lsq_options()
    {
        var settings = new QuantLayerSettings(4, 4, new LsqOptions());

        Assert.Contains(QuantLayerDescriptor.Of<LSQPlusLinear>().Scheme!.Validate("LSQPlusLinear", settings), p => p.Contains("LsqPlusOptions", StringComparison.Ordinal));
        Assert.Empty(QuantLayerDescriptor.Of<LSQLinear>().Scheme!.Validate("LSQLinear", new QuantLayerSettings(4, 4, new LsqPlusOptions())));
    }
}
