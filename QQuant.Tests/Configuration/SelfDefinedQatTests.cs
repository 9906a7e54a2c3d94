using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Configuration.ConfigurationTestSupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Configuration;

/// <summary>
/// A learnable-scale rounding quantizer in the style of the reference's self-defined QAT tutorial:
/// <c>q = round(clamp(x / s · L, −L, L)) / L · s</c> with <c>L = 2^(b−1) − 1</c>, the rounding straight-through, so
/// the scale <c>s</c> gets a gradient. Its state is the parameter <c>scale</c>.
/// </summary>
public sealed class LearnableScaleQuantizer : Quantizer
{
    // Named as registered, so that to(dtype/device) can put the moved parameter back into the field.
    [TorchSharp.Utils.ComponentName(Name = "scale")]
    private Parameter _scale;

    public LearnableScaleQuantizer(int bits, double initialScale) : base(nameof(LearnableScaleQuantizer), bits)
    {
        Levels = (1 << (bits - 1)) - 1;
        _scale = new Parameter(tensor(new[] { (float)initialScale }), requires_grad: true);
        register_parameter("scale", _scale);
    }

    /// <summary>Grid steps between 0 and the scale.</summary>
    public int Levels { get; }

    /// <summary>The learnable scale.</summary>
    public Parameter Scale => _scale;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor v = (input / _scale * Levels).clamp(-Levels, Levels);
        Tensor rounded = v + (v.round() - v).detach();
        return (rounded / Levels * _scale).MoveToOuterDisposeScope();
    }
}

/// <summary>The tutorial's quantized convolution: both weight and input through a <see cref="LearnableScaleQuantizer"/>.</summary>
public sealed class MyQuantConv : QuantizedConv2d, IQuantizedLayer<MyQuantConv>
{
    public MyQuantConv(Conv2d source, QuantLayerSettings settings)
        : base(
            nameof(MyQuantConv),
            source,
            settings,
            () => new LearnableScaleQuantizer(settings.WeightBits, MaxAbs(source.weight)),
            () => new LearnableScaleQuantizer(settings.ActivationBits, 1.0))
    {
    }

    public static IReadOnlyList<Type> ConvertsFrom { get; } = [typeof(Conv2d)];

    public static MyQuantConv FromFloat(nn.Module<Tensor, Tensor> source, QuantLayerSettings settings) =>
        new((Conv2d)source, settings);

    public static IEnumerable<string> ValidateSettings(QuantLayerSettings settings)
    {
        if (settings.QuantizesWeight && settings.WeightBits < 2)
        {
            yield return "MyQuantConv needs at least 2 weight bits";
        }
    }

    private static double MaxAbs(Tensor weight)
    {
        using var noGrad = no_grad();
        using Tensor max = weight.abs().max();
        return max.ToDouble();
    }
}

public class SelfDefinedQatTests
{
    private const string Json = """
        {
          "quantTransformer": {
            "type": "QuantTransformer",
            "policy": { "Conv2d": { "type": "MyQuantConv", "w": 4, "a": 4 } }
          }
        }
        """;

    private static ServiceProvider Services(string json)
    {
        IConfigurationRoot config = ConfigurationTestSupport.Json(json);
        var services = new ServiceCollection();
        services.AddQQuant()
            .AddQuantizers()
            .AddQuantLayer<MyQuantConv>("MyQuantConv")
            .AddPolicy(config.GetSection("quantTransformer"));
        return services.BuildServiceProvider();
    }

    private static Sequential Model()
    {
        random.manual_seed(3);
        return nn.Sequential(("conv1", nn.Conv2d(3, 4, 3)), ("relu", nn.ReLU()), ("conv2", nn.Conv2d(4, 2, 3)));
    }

    [Fact]
    public void The_json_policy_naming_the_user_layer_equals_the_fluent_one()
    {
        using ServiceProvider sp = Services(Json);

        QuantPolicy bound = sp.GetRequiredService<QuantPolicy>();

        Assert.Equal(QuantPolicy.For<Conv2d>().Use<MyQuantConv>(4, 4).Build(), bound);
        Assert.NotEqual(QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4).Build(), bound);
        Assert.Same(bound, sp.GetRequiredService<IOptions<QuantPolicyOptions>>().Value.Policy);
    }

    [Fact]
    public void A_model_quantized_with_the_DI_policy_uses_the_user_layer_and_trains()
    {
        TorchEnvironment.EnsureLoaded();
        using ServiceProvider sp = Services(Json);
        QuantPolicy policy = sp.GetRequiredService<QuantPolicy>();
        Sequential model = Model();
        Tensor floatWeight = ((Conv2d)model.named_modules().Single(m => m.name == "conv1").module).weight!.detach().clone();

        QuantizationReport report = model.Quantize(policy);

        Assert.True(report.Applied);
        Assert.Equal(
            [
                new LayerDecision("conv1", "Conv2d", QuantDecision.Quantized, "For<Conv2d>()", "MyQuantConv", 4, 4, true),
                new LayerDecision("relu", "ReLU", QuantDecision.NoRule, null, null, null, null, null),
                new LayerDecision("conv2", "Conv2d", QuantDecision.Quantized, "For<Conv2d>()", "MyQuantConv", 4, 4, true),
            ],
            report.Layers);

        var conv1 = Assert.IsType<MyQuantConv>(model.named_modules().Single(m => m.name == "conv1").module);
        var conv2 = Assert.IsType<MyQuantConv>(model.named_modules().Single(m => m.name == "conv2").module);
        Assert.IsType<ReLU>(model.named_modules().Single(m => m.name == "relu").module);
        Assert.Equal(4, conv1.WeightQuantizer.Bits);
        var weightQuantizer = Assert.IsType<LearnableScaleQuantizer>(conv1.WeightQuantizer);
        Assert.IsType<LearnableScaleQuantizer>(conv2.InputQuantizer);
        Assert.Equal(7, weightQuantizer.Levels);
        Assert.True(floatWeight.allclose(conv1.weight), "the quantized layer copies the float weight");
        Assert.Equal(floatWeight.abs().max().item<float>(), weightQuantizer.Scale.item<float>(), 6);

        Dictionary<string, Tensor> state = model.state_dict();
        Assert.Equal(
            [
                "conv1.weight", "conv1.bias", "conv1.weight_quantizer.scale", "conv1.input_quantizer.scale",
                "conv2.weight", "conv2.bias", "conv2.weight_quantizer.scale", "conv2.input_quantizer.scale",
            ],
            state.Keys.ToArray());

        using var scope = NewDisposeScope();
        Tensor x = randn(2, 3, 6, 6);
        Tensor y = model.call(x);
        Assert.Equal([2L, 2L, 2L, 2L], y.shape);
        Assert.False(y.isnan().any().item<bool>());

        y.square().sum().backward();
        Assert.NotNull(weightQuantizer.Scale.grad);
        Assert.NotNull(conv1.weight.grad);
        Assert.Contains(model.named_parameters(), p => p.name == "conv1.weight_quantizer.scale");
    }

    [Fact]
    public void The_quantized_weight_lies_on_the_user_quantizer_s_grid()
    {
        TorchEnvironment.EnsureLoaded();
        using ServiceProvider sp = Services(Json);
        Sequential model = Model();
        model.Quantize(sp.GetRequiredService<QuantPolicy>());
        var conv1 = (MyQuantConv)model.named_modules().Single(m => m.name == "conv1").module;

        using var scope = NewDisposeScope();
        Tensor q = conv1.QuantizedWeight();
        float scale = ((LearnableScaleQuantizer)conv1.WeightQuantizer).Scale.item<float>();
        Tensor steps = q / scale * 7;

        Assert.True(steps.allclose(steps.round(), rtol: 0, atol: 1e-4), "every value is a whole number of steps");
        Assert.True(steps.abs().max().item<float>() <= 7.0001f);
        Assert.Equal(7f, steps.abs().max().item<float>(), 3);
    }

    [Fact]
    public void Quantizing_twice_leaves_the_user_layers_alone()
    {
        using ServiceProvider sp = Services(Json);
        QuantPolicy policy = sp.GetRequiredService<QuantPolicy>();
        Sequential model = Model();
        model.Quantize(policy);
        var first = model.named_modules().Single(m => m.name == "conv1").module;

        QuantizationReport again = model.Quantize(policy);

        Assert.Equal(2, again.Count(QuantDecision.AlreadyQuantized));
        Assert.Same(first, model.named_modules().Single(m => m.name == "conv1").module);
        Assert.Equal("MyQuantConv", again.Layers.Single(l => l.Name == "conv1").NewType);
    }

    [Fact]
    public void AddQQuant_twice_shares_one_registry()
    {
        var services = new ServiceCollection();
        QQuantBuilder first = services.AddQQuant().AddQuantizers();
        QQuantBuilder second = services.AddQQuant().AddQuantLayer<MyQuantConv>("MyQuantConv");

        Assert.Same(first.Layers, second.Layers);
        Assert.Single(services, d => d.ServiceType == typeof(QuantLayerRegistry));
        using ServiceProvider sp = services.BuildServiceProvider();
        QuantLayerRegistry registry = sp.GetRequiredService<QuantLayerRegistry>();
        Assert.Same(first.Layers, registry);
        Assert.Equal(
            new QuantLayerRegistry().AddQuantizers().Names.Append("MyQuantConv").Order().ToArray(),
            registry.Names.Order().ToArray());
        Assert.True(registry.TryGet("myquantconv", out QuantLayerRegistration? mine));
        Assert.Equal(typeof(MyQuantConv), mine.Layer.LayerType);
    }

    [Fact]
    public void A_layer_registered_by_a_second_AddQQuant_is_visible_to_a_policy_added_by_the_first()
    {
        IConfigurationRoot config = ConfigurationTestSupport.Json(Json);
        var services = new ServiceCollection();
        services.AddQQuant().AddQuantizers().AddPolicy(config.GetSection("quantTransformer"));
        services.AddQQuant().AddQuantLayer<MyQuantConv>("MyQuantConv");
        using ServiceProvider sp = services.BuildServiceProvider();

        Assert.Equal(QuantPolicy.For<Conv2d>().Use<MyQuantConv>(4, 4).Build(), sp.GetRequiredService<QuantPolicy>());
    }

    [Fact]
    public void AddQuantizers_twice_is_harmless_but_a_name_taken_by_another_layer_type_is_refused()
    {
        var services = new ServiceCollection();
        services.AddQQuant().AddQuantizers();
        services.AddQQuant().AddQuantizers();

        var e = Assert.Throws<QQuantException>(() => services.AddQQuant().AddQuantLayer<MyQuantConv>("EightBitConv"));

        Assert.Contains("'EightBitConv' is already registered", e.Message, StringComparison.Ordinal);
        Assert.Contains(typeof(MyQuantConv).FullName!, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_named_policy_binds_separately()
    {
        IConfigurationRoot config = ConfigurationTestSupport.Json("""
            {
              "fast": { "policy": { "Conv2d": { "type": "MyQuantConv", "w": 2, "a": 2 } } },
              "quantTransformer": { "policy": { "Conv2d": { "type": "MyQuantConv", "w": 4, "a": 4 } } }
            }
            """);
        var services = new ServiceCollection();
        services.AddQQuant().AddQuantizers().AddQuantLayer<MyQuantConv>("MyQuantConv")
            .AddPolicy(config.GetSection("quantTransformer"))
            .AddPolicy(config.GetSection("fast"), "fast");
        using ServiceProvider sp = services.BuildServiceProvider();

        QuantPolicy? fast = sp.GetRequiredService<IOptionsMonitor<QuantPolicyOptions>>().Get("fast").Policy;

        Assert.Equal(QuantPolicy.For<Conv2d>().Use<MyQuantConv>(2, 2).Build(), fast);
        Assert.Equal(QuantPolicy.For<Conv2d>().Use<MyQuantConv>(4, 4).Build(), sp.GetRequiredService<QuantPolicy>());
    }

    [Fact]
    public void A_bad_config_surfaces_when_the_policy_is_resolved()
    {
        using ServiceProvider sp = Services("""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "MyQuantCnv", "w": 4, "a": 4 } } } }
            """);

        Exception thrown = Assert.ThrowsAny<Exception>(() => sp.GetRequiredService<QuantPolicy>());

        QuantConfigurationException? e = Find<QuantConfigurationException>(thrown);
        Assert.NotNull(e);
        Assert.StartsWith(
            "quantTransformer:policy:Conv2d:type: unknown quantized layer type 'MyQuantCnv'; nearest: 'MyQuantConv'",
            Assert.Single(e.Problems),
            StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_config_surfaces_when_the_options_are_resolved()
    {
        using ServiceProvider sp = Services("""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "MyQuantConv", "a": 4 } } } }
            """);

        Exception thrown = Assert.ThrowsAny<Exception>(() => sp.GetRequiredService<IOptions<QuantPolicyOptions>>().Value);

        QuantConfigurationException? e = Find<QuantConfigurationException>(thrown);
        Assert.NotNull(e);
        Assert.Equal("quantTransformer:policy:Conv2d: needs \"w\" (weight bits)", Assert.Single(e.Problems));
    }

    [Fact]
    public void A_missing_policy_section_surfaces_when_the_policy_is_resolved()
    {
        IConfigurationRoot config = ConfigurationTestSupport.Json("""{ "other": { "x": 1 } }""");
        var services = new ServiceCollection();
        services.AddQQuant().AddQuantizers().AddPolicy(config.GetSection("quantTransformer"));
        using ServiceProvider sp = services.BuildServiceProvider();

        Exception thrown = Assert.ThrowsAny<Exception>(() => sp.GetRequiredService<QuantPolicy>());

        QuantConfigurationException? e = Find<QuantConfigurationException>(thrown);
        Assert.NotNull(e);
        Assert.Equal("quantTransformer: the section is missing or empty", Assert.Single(e.Problems));
    }
}
