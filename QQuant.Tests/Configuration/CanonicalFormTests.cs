using QQuant.Quantizers;
using TorchSharp.Modules;
using static QQuant.Tests.Configuration.ConfigurationTestSupport;

namespace QQuant.Tests.Configuration;

public class CanonicalFormTests
{
    private const string Canonical = """
        {
          "quantTransformer": {
            "type": "QuantTransformer",
            "policy": {
              "Conv2d": { "type": "EightBitConv", "w": 4, "a": 4 },
              "Linear": { "type": "EightBitLinear", "w": 4, "a": 4 }
            },
            "specialLayers": {
              "backbone.conv1": { "type": "EightBitConv", "w": 8, "a": 8, "quantizeInput": false },
              "head.fc": { "type": "EightBitLinear", "w": 8, "a": 8 }
            },
            "except": [ "neck.**" ]
          }
        }
        """;

    private static QuantPolicy Fluent(int convBits = 4) =>
        QuantPolicy.For<Conv2d>().Use<EightBitConv>(w: convBits, a: convBits)
            .For<Linear>().Use<EightBitLinear>(w: 4, a: 4)
            .Override("backbone.conv1", r => r.Use<EightBitConv>(w: 8, a: 8, o => o.QuantizeInput = false))
            .Override("head.fc", r => r.Use<EightBitLinear>(w: 8, a: 8))
            .Except("neck.**")
            .Build();

    [Fact]
    public void The_canonical_json_binds_to_the_equivalent_fluent_policy()
    {
        QuantPolicy bound = Bind(Canonical);

        Assert.Equal(Fluent(), bound);
        Assert.Equal(bound, Fluent());
        Assert.Equal(Fluent().GetHashCode(), bound.GetHashCode());
    }

    [Fact]
    public void The_bound_rules_carry_the_configured_layers_bits_and_options()
    {
        QuantPolicy bound = Bind(Canonical);

        TypeRule conv = Assert.Single(bound.TypeRules, r => r.ModuleType == typeof(Conv2d));
        Assert.Equal(typeof(EightBitConv), conv.Target.Layer!.LayerType);
        // The 8-bit layers' own options, with their defaults (InputMomentum 0.1).
        Assert.Equal(new QuantLayerSettings(4, 4, new EightBitOptions()), conv.Target.Settings);
        TypeRule linear = Assert.Single(bound.TypeRules, r => r.ModuleType == typeof(Linear));
        Assert.Equal(typeof(EightBitLinear), linear.Target.Layer!.LayerType);

        Assert.Equal(
            ["Override(\"backbone.conv1\")", "Override(\"head.fc\")", "Except(\"neck.**\")"],
            bound.NameRules.Select(r => r.ToString()).ToArray());
        NameRule backbone = bound.NameRules[0];
        Assert.Equal(8, backbone.Target!.Settings!.WeightBits);
        Assert.False(backbone.Target.Settings.Options.QuantizeInput);
        Assert.True(bound.NameRules[1].Target!.Settings!.Options.QuantizeInput);
        Assert.True(bound.NameRules[2].IsException);
        Assert.False(bound.AllowsUnmatched);
    }

    [Fact]
    public void A_policy_with_different_bits_is_not_equal()
    {
        QuantPolicy bound = Bind(Canonical);

        Assert.NotEqual(Fluent(convBits: 5), bound);
        Assert.NotEqual(bound, Fluent(convBits: 5));
    }

    [Fact]
    public void A_policy_with_a_different_option_or_without_the_exception_is_not_equal()
    {
        QuantPolicy bound = Bind(Canonical);
        QuantPolicy inputQuantized = QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4)
            .For<Linear>().Use<EightBitLinear>(4, 4)
            .Override("backbone.conv1", r => r.Use<EightBitConv>(8, 8))
            .Override("head.fc", r => r.Use<EightBitLinear>(8, 8))
            .Except("neck.**")
            .Build();
        QuantPolicy noException = QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4)
            .For<Linear>().Use<EightBitLinear>(4, 4)
            .Override("backbone.conv1", r => r.Use<EightBitConv>(8, 8, o => o.QuantizeInput = false))
            .Override("head.fc", r => r.Use<EightBitLinear>(8, 8))
            .Build();

        Assert.NotEqual(inputQuantized, bound);
        Assert.NotEqual(noException, bound);
    }

    [Fact]
    public void Keys_and_type_names_match_ignoring_case_and_module_types_may_carry_the_torch_nn_prefix()
    {
        QuantPolicy bound = Bind("""
            {
              "quantTransformer": {
                "TYPE": "quanttransformer",
                "Policy": {
                  "torch.nn.Conv2d": { "Type": "eightbitconv", "W": 4, "A": 4 },
                  "nn.Linear": { "type": "EIGHTBITLINEAR", "weightBits": 4, "activationBits": 4 }
                },
                "special_layers": {
                  "backbone.conv1": { "type": "EightBitConv", "w": 8, "a": 8, "quantize_input": false },
                  "head.fc": { "type": "EightBitLinear", "w": 8, "a": 8 }
                },
                "except": "neck.**"
              }
            }
            """);

        Assert.Equal(Fluent(), bound);
    }

    [Fact]
    public void Allow_unmatched_and_the_activation_sign_option_bind()
    {
        QuantPolicy bound = Bind("""
            {
              "quantTransformer": {
                "policy": { "Conv2d": { "type": "EightBitConv", "w": 6, "a": 5, "activationSign": "unsigned", "perChannelWeights": true } },
                "allowUnmatched": true
              }
            }
            """);

        QuantPolicy expected = QuantPolicy.For<Conv2d>()
            .Use<EightBitConv>(6, 5, o => { o.ActivationSign = ActivationSign.Unsigned; o.PerChannelWeights = true; })
            .AllowUnmatched()
            .Build();
        Assert.Equal(expected, bound);
        Assert.True(bound.AllowsUnmatched);
    }

    [Fact]
    public void The_recompute_option_binds()
    {
        QuantPolicy bound = Bind("""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "EightBitConv", "recomputeQuantized": false } } } }
            """);

        Assert.Equal(QuantPolicy.For<Conv2d>().Use<EightBitConv>(8, 8, o => o.RecomputeQuantized = false).Build(), bound);
        Assert.NotEqual(QuantPolicy.For<Conv2d>().Use<EightBitConv>(8, 8).Build(), bound);
    }

    [Fact]
    public void Omitted_bits_take_the_registered_defaults_of_the_built_in_layers()
    {
        QuantPolicy bound = Bind("""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "EightBitConv" } } } }
            """);

        Assert.Equal(QuantPolicy.For<Conv2d>().Use<EightBitConv>(8, 8).Build(), bound);
    }

    [Fact]
    public void A_json_file_binds_the_same_policy()
    {
        using var folder = new TemporaryFolder("qquant-config-");
        string path = folder.Write("appsettings.json", System.Text.Encoding.UTF8.GetBytes(Canonical));

        QuantPolicy bound = QuantPolicy.FromJsonFile(path, Registry());

        Assert.Equal(Fluent(), bound);
    }

    [Fact]
    public void A_json_file_takes_its_policy_from_its_base_files()
    {
        using var folder = new TemporaryFolder("qquant-config-");
        folder.Write("base.json", System.Text.Encoding.UTF8.GetBytes(Canonical));
        string path = folder.Write("child.json", System.Text.Encoding.UTF8.GetBytes("""{ "_base_": ["base.json"], "totalEpochs": 3 }"""));

        QuantPolicy bound = QuantPolicy.FromJsonFile(path, Registry());

        Assert.Equal(Fluent(), bound);
    }

    /// <summary>
    /// An empty list of exceptions means "no exceptions". The JSON provider stores an empty array as the key with an
    /// empty value, which the binder currently reads as one empty module name.
    /// </summary>
    [Fact]
    public void An_empty_except_list_binds_to_no_exceptions()
    {
        QuantPolicy bound = Bind("""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "EightBitConv", "w": 4, "a": 4 } }, "except": [ ] } }
            """);

        Assert.Equal(QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4).Build(), bound);
    }
}
