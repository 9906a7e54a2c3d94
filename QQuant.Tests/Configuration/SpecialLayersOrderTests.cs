using QQuant.Quantizers;
using TorchSharp.Modules;
using static QQuant.Tests.Configuration.ConfigurationTestSupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Configuration;

/// <summary>
/// The object form of special layers has no key order, so two patterns that both decide a module with different
/// targets are an error when the model is quantized; the ordered list form ranks them, the later one winning.
/// </summary>
public class SpecialLayersOrderTests
{
    private static Sequential Model()
    {
        random.manual_seed(7);
        return nn.Sequential(("conv1", nn.Conv2d(3, 4, 3)), ("relu", nn.ReLU()), ("conv2", nn.Conv2d(4, 2, 3)));
    }

    [Fact]
    public void Two_object_keys_that_match_one_module_with_different_targets_fail_when_quantizing()
    {
        QuantPolicy policy = Bind("""
            {
              "quantTransformer": {
                "specialLayers": {
                  "conv*": { "type": "EightBitConv", "w": 4, "a": 4 },
                  "*1": { "type": "EightBitConv", "w": 2, "a": 2 }
                }
              }
            }
            """);
        Sequential model = Model();

        var e = Assert.Throws<QuantizationException>(() => model.Quantize(policy));

        string problem = Assert.Single(e.Problems);
        Assert.StartsWith("'conv1' (Conv2d): ", problem, StringComparison.Ordinal);
        Assert.Contains("Override(\"conv*\")", problem, StringComparison.Ordinal);
        Assert.Contains("Override(\"*1\")", problem, StringComparison.Ordinal);
        Assert.Contains("configuration object", problem, StringComparison.Ordinal);
        Assert.Contains("configuration object", e.Message, StringComparison.Ordinal);
        Assert.IsType<Conv2d>(model.named_modules().Single(m => m.name == "conv1").module);
        Assert.IsType<Conv2d>(model.named_modules().Single(m => m.name == "conv2").module);
    }

    [Fact]
    public void The_conflict_is_found_by_a_dry_run_too()
    {
        QuantPolicy policy = Bind("""
            {
              "quantTransformer": {
                "specialLayers": {
                  "conv*": { "type": "EightBitConv", "w": 4, "a": 4 },
                  "*1": { "type": "EightBitConv", "w": 2, "a": 2 }
                }
              }
            }
            """);

        var e = Assert.Throws<QuantizationException>(() => Model().PlanQuantization(policy));

        Assert.Contains("configuration object", Assert.Single(e.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Two_object_keys_that_match_one_module_with_the_same_target_are_fine()
    {
        QuantPolicy policy = Bind("""
            {
              "quantTransformer": {
                "specialLayers": {
                  "conv*": { "type": "EightBitConv", "w": 4, "a": 4 },
                  "*1": { "type": "EightBitConv", "w": 4, "a": 4 }
                }
              }
            }
            """);

        QuantizationReport report = Model().Quantize(policy);

        Assert.Equal(4, report.Layers.Single(l => l.Name == "conv1").WeightBits);
        Assert.Equal(4, report.Layers.Single(l => l.Name == "conv2").WeightBits);
        Assert.Equal(2, report.Count(QuantDecision.Quantized));
    }

    [Theory]
    [InlineData("conv*", "*1", 2)]
    [InlineData("*1", "conv*", 4)]
    public void In_the_ordered_list_form_the_later_pattern_wins(string first, string second, int conv1WeightBits)
    {
        int firstBits = first == "conv*" ? 4 : 2;
        int secondBits = second == "conv*" ? 4 : 2;
        QuantPolicy policy = Bind($$"""
            {
              "quantTransformer": {
                "special_layers": {
                  "layers_name": [ "{{first}}", "{{second}}" ],
                  "convert_type": [
                    { "type": "EightBitConv", "w": {{firstBits}}, "a": {{firstBits}} },
                    { "type": "EightBitConv", "w": {{secondBits}}, "a": {{secondBits}} }
                  ]
                }
              }
            }
            """);
        Sequential model = Model();

        QuantizationReport report = model.Quantize(policy);

        LayerDecision conv1 = report.Layers.Single(l => l.Name == "conv1");
        Assert.Equal(QuantDecision.Quantized, conv1.Decision);
        Assert.Equal(conv1WeightBits, conv1.WeightBits);
        Assert.Equal(conv1WeightBits, conv1.ActivationBits);
        Assert.Equal($"Override(\"{second}\")", conv1.Rule);
        Assert.Equal(4, report.Layers.Single(l => l.Name == "conv2").WeightBits);
        var layer = Assert.IsType<QuantizedConv2d>(model.named_modules().Single(m => m.name == "conv1").module);
        Assert.Equal(conv1WeightBits, layer.Settings.WeightBits);
        Assert.Equal(conv1WeightBits, layer.WeightQuantizer.Bits);
    }

    [Fact]
    public void The_ordered_list_form_equals_the_fluent_overrides_in_the_same_order()
    {
        QuantPolicy bound = Bind("""
            {
              "quantTransformer": {
                "special_layers": {
                  "layers_name": [ "conv*", "*1" ],
                  "convert_type": [ { "type": "EightBitConv", "w": 4, "a": 4 }, { "type": "EightBitConv", "w": 2, "a": 2 } ]
                }
              }
            }
            """);

        QuantPolicy sameOrder = QuantPolicy.Create()
            .Override("conv*", r => r.Use<EightBitConv>(4, 4))
            .Override("*1", r => r.Use<EightBitConv>(2, 2))
            .Build();
        QuantPolicy otherOrder = QuantPolicy.Create()
            .Override("*1", r => r.Use<EightBitConv>(2, 2))
            .Override("conv*", r => r.Use<EightBitConv>(4, 4))
            .Build();
        Assert.Equal(sameOrder, bound);
        Assert.NotEqual(otherOrder, bound);
    }

    [Fact]
    public void An_exact_object_key_outranks_a_pattern_key_without_conflict()
    {
        QuantPolicy policy = Bind("""
            {
              "quantTransformer": {
                "specialLayers": {
                  "conv*": { "type": "EightBitConv", "w": 4, "a": 4 },
                  "conv1": { "type": "EightBitConv", "w": 2, "a": 2 }
                }
              }
            }
            """);

        QuantizationReport report = Model().Quantize(policy);

        Assert.Equal(2, report.Layers.Single(l => l.Name == "conv1").WeightBits);
        Assert.Equal("Override(\"conv1\")", report.Layers.Single(l => l.Name == "conv1").Rule);
        Assert.Equal(4, report.Layers.Single(l => l.Name == "conv2").WeightBits);
    }

    /// <summary>
    /// Special-layer keys are module paths, which may contain underscores; only the binder's own keys
    /// (<c>layers_name</c>, <c>convert_type</c>) are meant to match ignoring underscores. Two module names that differ
    /// only by an underscore must bind as two overrides, not crash the binder.
    /// </summary>
    [Fact]
    public void Object_keys_that_differ_only_by_an_underscore_bind_as_two_overrides()
    {
        QuantPolicy bound = Bind("""
            {
              "quantTransformer": {
                "specialLayers": {
                  "conv_1": { "type": "EightBitConv", "w": 4, "a": 4 },
                  "conv1": { "type": "EightBitConv", "w": 2, "a": 2 }
                }
              }
            }
            """);

        QuantPolicy expected = QuantPolicy.Create()
            .Override("conv1", r => r.Use<EightBitConv>(2, 2))
            .Override("conv_1", r => r.Use<EightBitConv>(4, 4))
            .Build();
        Assert.Equal(expected, bound);
    }

    [Fact]
    public void Object_keys_equal_the_same_fluent_overrides_in_any_order_and_ordered_policies_do_not()
    {
        QuantPolicy bound = Bind("""
            {
              "quantTransformer": {
                "specialLayers": {
                  "neck.*": { "type": "EightBitConv", "w": 4, "a": 4 },
                  "backbone.*": { "type": "EightBitConv", "w": 2, "a": 2 }
                }
              }
            }
            """);
        QuantPolicy neckFirst = QuantPolicy.Create()
            .Override("neck.*", r => r.Use<EightBitConv>(4, 4)).Override("backbone.*", r => r.Use<EightBitConv>(2, 2));
        QuantPolicy backboneFirst = QuantPolicy.Create()
            .Override("backbone.*", r => r.Use<EightBitConv>(2, 2)).Override("neck.*", r => r.Use<EightBitConv>(4, 4));

        Assert.Equal(neckFirst, bound);
        Assert.Equal(backboneFirst, bound);
        Assert.NotEqual(neckFirst, backboneFirst);
    }
}
