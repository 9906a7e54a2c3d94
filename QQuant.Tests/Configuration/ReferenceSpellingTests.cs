using QQuant.Quantizers;
using TorchSharp.Modules;
using static QQuant.Tests.Configuration.ConfigurationTestSupport;

namespace QQuant.Tests.Configuration;

/// <summary>A configuration translated key by key from the Python reference binds to the policy it means.</summary>
public class ReferenceSpellingTests
{
    [Fact]
    public void A_reference_config_binds_and_equals_the_fluent_policy()
    {
        QuantPolicy bound = Bind("""
            {
              "quantTransformer": {
                "type": "mTransformerV2",
                "quan_policy": {
                  "Conv2d": { "type": "EightBitConv", "num_bit_w": 4, "num_bit_a": 3, "kernel_wise": true },
                  "Linear": { "type": "EightBitLinear", "nbits_w": 6, "bit_a": 5, "QInput": false }
                },
                "special_layers": {
                  "layers_name": [ "backbone.conv1", "head.fc", "neck.conv" ],
                  "convert_type": [
                    { "type": "EightBitQuantConv" },
                    { "type": "EightBitQuantLinear", "quant_activation": true, "nbits_a": 6 },
                    { "type": "EightBitConv", "bSetQ": false }
                  ]
                },
                "exclude_layers": [ "aux.**" ]
              }
            }
            """);

        QuantPolicy fluent = QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 3, o => o.PerChannelWeights = true)
            .For<Linear>().Use<EightBitLinear>(6, 5, o => o.QuantizeInput = false)
            .Override("backbone.conv1", r => r.Use<EightBitConv>(8, 8, o => o.QuantizeInput = false))
            .Override("head.fc", r => r.Use<EightBitLinear>(8, 6))
            .Override("neck.conv", r => r.KeepFloat())
            .Except("aux.**")
            .Build();
        Assert.Equal(fluent, bound);
    }

    [Fact]
    public void bSetQ_false_keeps_the_layer_float()
    {
        QuantPolicy bound = Bind("""
            {
              "quantTransformer": {
                "policy": { "Conv2d": { "type": "EightBitConv", "w": 4, "a": 4 } },
                "special_layers": { "layers_name": [ "conv1" ], "convert_type": [ { "type": "EightBitConv", "bSetQ": false } ] }
              }
            }
            """);

        Assert.Equal(QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4).Override("conv1", r => r.KeepFloat()).Build(), bound);
        Assert.NotEqual(QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4).Except("conv1").Build(), bound);
        NameRule rule = Assert.Single(bound.NameRules);
        Assert.Same(QuantTarget.Float, rule.Target);
        Assert.True(rule.Target!.KeepsFloat);
    }

    [Fact]
    public void bSetQ_true_quantizes_as_usual()
    {
        QuantPolicy bound = Bind("""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "EightBitConv", "w": 4, "a": 4, "bSetQ": true } } } }
            """);

        Assert.Equal(QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4).Build(), bound);
    }

    [Fact]
    public void EightBitQuantConv_gets_the_reference_defaults_w8_a8_and_a_float_input()
    {
        QuantPolicy bound = Bind("""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "EightBitQuantConv" } } } }
            """);

        Assert.Equal(QuantPolicy.For<Conv2d>().Use<EightBitConv>(8, 8, o => o.QuantizeInput = false).Build(), bound);
        Assert.NotEqual(QuantPolicy.For<Conv2d>().Use<EightBitConv>(8, 8).Build(), bound);
    }

    [Fact]
    public void The_entry_s_own_keys_override_the_reference_defaults()
    {
        QuantPolicy bound = Bind("""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "EightBitQuantConv", "bit_w": 4, "quant_activation": true } } } }
            """);

        Assert.Equal(QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 8).Build(), bound);
    }

    [Fact]
    public void EightBitQuantLinear_maps_to_EightBitLinear_with_a_float_input()
    {
        QuantPolicy bound = Bind("""
            { "quantTransformer": { "policy": { "Linear": { "type": "EightBitQuantLinear", "num_bit_w": 6 } } } }
            """);

        Assert.Equal(QuantPolicy.For<Linear>().Use<EightBitLinear>(6, 8, o => o.QuantizeInput = false).Build(), bound);
    }

    [Theory]
    [InlineData("QuantTransformer")]
    [InlineData("QuanTransformer")]
    [InlineData("QuanTransformerV2")]
    [InlineData("mTransformerV2")]
    [InlineData("mTransformer")]
    [InlineData("quantransformer")]
    public void The_reference_transformer_names_are_accepted(string type)
    {
        QuantPolicy bound = Bind($$"""
            { "quantTransformer": { "type": "{{type}}", "policy": { "Conv2d": { "type": "EightBitConv", "w": 4, "a": 4 } } } }
            """);

        Assert.Equal(QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4).Build(), bound);
    }

    [Theory]
    [InlineData("\"signed\": true", ActivationSign.Signed)]
    [InlineData("\"signed\": false", ActivationSign.Unsigned)]
    [InlineData("\"auto_signed\": true", ActivationSign.Auto)]
    [InlineData("\"signed\": true, \"auto_signed\": true", ActivationSign.Auto)]
    [InlineData("\"signed\": false, \"auto_signed\": true", ActivationSign.Auto)]
    [InlineData("\"signed\": false, \"auto_signed\": false", ActivationSign.Unsigned)]
    [InlineData("\"signed\": true, \"auto_signed\": false", ActivationSign.Signed)]
    [InlineData("\"activationSign\": \"unsigned\"", ActivationSign.Unsigned)]
    public void signed_and_auto_signed_set_the_activation_sign(string keys, ActivationSign expected)
    {
        QuantPolicy bound = Bind($$"""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "EightBitConv", "w": 4, "a": 4, {{keys}} } } } }
            """);

        Assert.Equal(expected, Assert.Single(bound.TypeRules).Target.Settings!.Options.ActivationSign);
        Assert.Equal(QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4, o => o.ActivationSign = expected).Build(), bound);
    }

    [Fact]
    public void The_ordered_special_layers_accept_a_single_name_and_exclude_layers_a_single_pattern()
    {
        QuantPolicy bound = Bind("""
            {
              "quantTransformer": {
                "special_layers": { "layers_name": "head.fc", "convert_type": [ { "type": "EightBitLinear", "w": 8, "a": 8 } ] },
                "exclude_layers": "neck.**"
              }
            }
            """);

        Assert.Equal(
            QuantPolicy.Create().Override("head.fc", r => r.Use<EightBitLinear>(8, 8)).Except("neck.**").Build(),
            bound);
    }

    [Fact]
    public void The_reference_names_resolve_the_layer_used_when_a_model_is_quantized()
    {
        TorchSharp.torch.random.manual_seed(1);
        var model = TorchSharp.torch.nn.Sequential(
            ("conv1", TorchSharp.torch.nn.Conv2d(3, 4, 3)),
            ("relu", TorchSharp.torch.nn.ReLU()),
            ("conv2", TorchSharp.torch.nn.Conv2d(4, 2, 3)));
        QuantPolicy bound = Bind("""
            {
              "quantTransformer": {
                "quan_policy": { "Conv2d": { "type": "EightBitConv", "num_bit_w": 4, "num_bit_a": 4 } },
                "special_layers": { "layers_name": [ "conv1" ], "convert_type": [ { "type": "EightBitQuantConv" } ] }
              }
            }
            """);

        QuantizationReport report = model.Quantize(bound);

        LayerDecision conv1 = report.Layers.Single(l => l.Name == "conv1");
        Assert.Equal(
            new LayerDecision("conv1", "Conv2d", QuantDecision.Quantized, "Override(\"conv1\")", "EightBitConv", 8, 8, false),
            conv1);
        Assert.Equal(
            new LayerDecision("conv2", "Conv2d", QuantDecision.Quantized, "For<Conv2d>()", "EightBitConv", 4, 4, true),
            report.Layers.Single(l => l.Name == "conv2"));
        Assert.Equal(QuantDecision.NoRule, report.Layers.Single(l => l.Name == "relu").Decision);
    }

    /// <summary>The reference's configs commonly carry <c>exclude_layers: []</c>; an empty list excludes nothing.</summary>
    [Fact]
    public void An_empty_exclude_layers_list_binds_to_no_exceptions()
    {
        QuantPolicy bound = Bind("""
            { "quantTransformer": { "quan_policy": { "Conv2d": { "type": "EightBitConv", "num_bit_w": 4, "num_bit_a": 4 } }, "exclude_layers": [ ] } }
            """);

        Assert.Equal(QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4).Build(), bound);
    }

    /// <summary>Empty parallel lists are the same length (zero) and add no overrides.</summary>
    [Fact]
    public void Empty_parallel_lists_bind_to_no_overrides()
    {
        QuantPolicy bound = Bind("""
            {
              "quantTransformer": {
                "quan_policy": { "Conv2d": { "type": "EightBitConv", "num_bit_w": 4, "num_bit_a": 4 } },
                "special_layers": { "layers_name": [ ], "convert_type": [ ] }
              }
            }
            """);

        Assert.Equal(QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4).Build(), bound);
    }

    /// <summary>
    /// An alias holds "the defaults of the reference constructor where they differ from ours":
    /// an alias with no differences (<c>LSQConv2d</c>) must keep the defaults registered for the layer it names.
    /// </summary>
    [Fact]
    public void A_reference_alias_without_differing_defaults_keeps_the_registered_defaults()
    {
        QuantLayerRegistry registry = new QuantLayerRegistry().Add<MyQuantConv>("LSQConv", new QuantLayerDefaults(4, 4))
            .AddAlias("LSQConv2d", "LSQConv");

        QuantPolicy bound = Bind("""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "LSQConv2d" } } } }
            """, registry);

        Assert.Equal(QuantPolicy.For<Conv2d>().Use<MyQuantConv>(4, 4).Build(), bound);
    }

    [Fact]
    public void A_reference_alias_resolves_to_a_layer_registered_under_our_name()
    {
        QuantLayerRegistry registry = new QuantLayerRegistry().Add<MyQuantConv>("LSQConv").AddAlias("LSQConv2d", "LSQConv");

        QuantPolicy bound = Bind("""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "LSQConv2d", "nbits_w": 3, "nbits_a": 2 } } } }
            """, registry);

        Assert.Equal(QuantPolicy.For<Conv2d>().Use<MyQuantConv>(3, 2).Build(), bound);
    }
}
