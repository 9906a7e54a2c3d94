using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.DsqDoReFa;

public class DsqDoReFaLayerTests
{
    private static QuantLayerSettings Settings<TOptions>(int w, int a, Action<TOptions>? configure = null)
        where TOptions : QuantLayerOptions, new()
    {
        var options = new TOptions();
        configure?.Invoke(options);
        return new QuantLayerSettings(w, a, options);
    }

    private static readonly string[] DsqQuantizerKeys = ["alpha", "initialized", "lower", "signed", "upper"];

    private static string[] Keys(bool bias, string[] weightQuantizer, string[] inputQuantizer) =>
        [.. (bias ? new[] { "weight", "bias" } : ["weight"])
            .Concat(weightQuantizer.Select(k => "weight_quantizer." + k))
            .Concat(inputQuantizer.Select(k => "input_quantizer." + k))
            .Order()];

    [Fact]
    public void DSQLinear_state_dict_holds_the_weight_bias_and_both_quantizers_bounds_alpha_and_flags()
    {
        using var linear = nn.Linear(3, 2);
        using var layer = new QuantizedLinear(linear, Dsq.Instance, Settings<DsqOptions>(4, 4));

        Assert.Equal(Keys(true, DsqQuantizerKeys, DsqQuantizerKeys), layer.state_dict().Keys.Order());
        Assert.IsType<DsqQuantizer>(layer.WeightQuantizer);
        Assert.IsType<DsqQuantizer>(layer.InputQuantizer);
    }

    [Fact]
    public void DSQConv_state_dict_holds_the_weight_and_both_quantizers_bounds_alpha_and_flags()
    {
        using var conv = nn.Conv2d(2, 3, 3, bias: false);
        using var layer = new QuantizedConv2d(conv, Dsq.Instance, Settings<DsqOptions>(2, 4));

        Assert.Equal(Keys(false, DsqQuantizerKeys, DsqQuantizerKeys), layer.state_dict().Keys.Order());
    }

    [Fact]
    public void DoReFaLinear_state_dict_holds_only_the_flags_of_its_quantizers()
    {
        using var linear = nn.Linear(3, 2);
        using var layer = new QuantizedLinear(linear, DoReFa.Instance, Settings<QuantLayerOptions>(2, 4));

        Assert.Equal(Keys(true, ["initialized", "signed"], ["initialized", "signed"]), layer.state_dict().Keys.Order());
        Assert.IsType<DoReFaWeightQuantizer>(layer.WeightQuantizer);
        Assert.IsType<DoReFaActivationQuantizer>(layer.InputQuantizer);
    }

    [Fact]
    public void DoReFaConv_state_dict_holds_only_the_flags_of_its_quantizers()
    {
        using var conv = nn.Conv2d(2, 3, 3);
        using var layer = new QuantizedConv2d(conv, DoReFa.Instance, Settings<QuantLayerOptions>(4, 2, o => o.PerChannelWeights = true));

        Assert.Equal(Keys(true, ["initialized", "signed"], ["initialized", "signed"]), layer.state_dict().Keys.Order());
        Assert.True(((DoReFaWeightQuantizer)layer.WeightQuantizer).PerChannel);
    }

    [Fact]
    public void DSQ_weight_quantizer_is_signed_and_the_input_follows_the_options_sign()
    {
        using var linear = nn.Linear(3, 2);
        using var layer = new QuantizedLinear(linear, Dsq.Instance, Settings<DsqOptions>(4, 4, o => o.ActivationSign = ActivationSign.Unsigned));

        Assert.Equal(ActivationSign.Signed, ((DsqQuantizer)layer.WeightQuantizer).Sign);
        Assert.Equal(ActivationSign.Unsigned, ((DsqQuantizer)layer.InputQuantizer).Sign);
    }

    [Fact]
    public void DSQLinear_honours_the_initial_alpha_of_its_options()
    {
        using var scope = NewDisposeScope();
        using var linear = nn.Linear(3, 2);
        using var layer = new QuantizedLinear(linear, Dsq.Instance, Settings<DsqOptions>(4, 4, o => o.InitialAlpha = 0.35));

        Close([0.35], ((DsqQuantizer)layer.WeightQuantizer).Alpha, 1e-7);
        Close([0.35], ((DsqQuantizer)layer.InputQuantizer).Alpha, 1e-7);
    }

    [Fact]
    public void DSQConv_uses_alpha_0_2_with_plain_options()
    {
        using var scope = NewDisposeScope();
        using var conv = nn.Conv2d(2, 3, 3);
        using var layer = new QuantizedConv2d(conv, Dsq.Instance, Settings<QuantLayerOptions>(4, 4));

        Close([0.2], ((DsqQuantizer)layer.WeightQuantizer).Alpha, 1e-7);
        Close([0.2], ((DsqQuantizer)layer.InputQuantizer).Alpha, 1e-7);
    }

    [Fact]
    public void A_policy_asking_DSQ_for_per_channel_weights_is_rejected_naming_DSQLinear()
    {
        var error = Assert.Throws<QuantPolicyException>(() =>
            QuantPolicy.For<Linear>().Use<DSQLinear>(4, 4, o => o.PerChannelWeights = true).Build());

        string problem = Assert.Single(error.Problems);
        Assert.Contains("DSQLinear", problem);
        Assert.Contains("perChannelWeights", problem);
    }

    [Fact]
    public void A_policy_asking_DSQConv_for_per_channel_weights_is_rejected_naming_DSQConv()
    {
        var error = Assert.Throws<QuantPolicyException>(() =>
            QuantPolicy.For<Conv2d>().Use<DSQConv>(4, 4, o => o.PerChannelWeights = true).Build());

        Assert.Contains("DSQConv", Assert.Single(error.Problems));
    }

    [Fact]
    public void DSQ_per_channel_is_fine_when_the_weight_stays_float()
    {
        QuantLayerSettings settings = Settings<DsqOptions>(32, 4, o => o.PerChannelWeights = true);

        Assert.Empty(QuantLayerDescriptor.Of<DSQLinear>().Scheme!.Validate("DSQLinear", settings));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(-0.1)]
    [InlineData(0.8)]
    [InlineData(double.NaN)]
    public void A_policy_with_an_initial_alpha_outside_0_to_one_half_is_rejected(double alpha)
    {
        var error = Assert.Throws<QuantPolicyException>(() =>
            QuantPolicy.For<Linear>().Use<DSQLinear>(4, 4, o => ((DsqOptions)o).InitialAlpha = alpha).Build());

        string problem = Assert.Single(error.Problems);
        Assert.Contains("DSQLinear", problem);
        Assert.Contains("initialAlpha", problem);
    }

    [Theory]
    [InlineData(0.01)]
    [InlineData(0.2)]
    [InlineData(0.49)]
    public void A_policy_with_an_initial_alpha_inside_0_to_one_half_builds(double alpha)
    {
        QuantPolicy policy = QuantPolicy.For<Conv2d>().Use<DSQConv>(4, 4, o => ((DsqOptions)o).InitialAlpha = alpha).Build();

        Assert.Single(policy.TypeRules);
    }

    [Fact]
    public void DoReFa_accepts_per_channel_weights()
    {
        QuantPolicy policy = QuantPolicy.For<Linear>().Use<DoReFaLinear>(2, 4, o => o.PerChannelWeights = true)
            .For<Conv2d>().Use<DoReFaConv>(4, 4, o => o.PerChannelWeights = true)
            .Build();

        Assert.Equal(2, policy.TypeRules.Count);
    }

    [Fact]
    public void DSQLinear_training_forward_is_linear_of_the_DSQ_quantized_input_and_weight()
    {
        using var scope = NewDisposeScope();
        // The layer's quantizers initialise from the first batch and the weight; hand-built quantizers do the same.
        using var linear = nn.Linear(4, 3, dtype: float64);
        using var layer = new QuantizedLinear(linear, Dsq.Instance, Settings<DsqOptions>(2, 4, o =>
        {
            // The twins below start from min/max, the constructor's default.
            o.ActivationInit = RangeInitialization.MinMax;
            o.WeightInit = RangeInitialization.MinMax;
        }));
        layer.to(float64);
        layer.train();
        Tensor x = Matrix([2, 4], -1, 0.3, 0.8, 2, 0.1, -0.4, 1.2, 0.6);
        using var weightQuantizer = new DsqQuantizer(2, ActivationSign.Signed);
        using var inputQuantizer = new DsqQuantizer(4, ActivationSign.Auto);
        weightQuantizer.to(float64).train();
        inputQuantizer.to(float64).train();

        Tensor expected = nn.functional.linear(inputQuantizer.call(x), weightQuantizer.call(linear.weight), linear.bias);
        Tensor actual = layer.call(x);

        Close(expected, actual, 1e-12);
    }

    [Fact]
    public void DoReFaLinear_evaluates_linear_of_the_DoReFa_quantized_input_and_weight()
    {
        using var scope = NewDisposeScope();
        // Fixed unsigned inputs: usable in evaluation at once; the weight per channel.
        using var linear = nn.Linear(3, 2, dtype: float64);
        using var layer = new QuantizedLinear(linear, DoReFa.Instance,
            Settings<QuantLayerOptions>(2, 4, o => { o.ActivationSign = ActivationSign.Unsigned; o.PerChannelWeights = true; }));
        layer.to(float64);
        layer.eval();
        Tensor x = Matrix([2, 3], -0.3, 0.48, 1.4, 0.77, 0.03, 0.99);
        // Inputs by hand: 15·clamp(x, 0, 1) rounded, /15.
        Tensor xq = Matrix([2, 3], 0, 7 / 15.0, 1, 12 / 15.0, 0, 1);
        using var weightQuantizer = new DoReFaWeightQuantizer(2, perChannel: true);
        weightQuantizer.to(float64);

        Tensor expected = nn.functional.linear(xq, weightQuantizer.call(linear.weight), linear.bias);

        Close(expected, layer.call(x), 1e-12);
    }
}
