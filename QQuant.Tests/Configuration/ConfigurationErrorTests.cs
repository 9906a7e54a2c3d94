using System.Text;
using QQuant.Quantizers;
using TorchSharp.Modules;
using static QQuant.Tests.Configuration.ConfigurationTestSupport;

namespace QQuant.Tests.Configuration;

/// <summary>Configurations that do not bind: each problem names its key path and the nearest valid names.</summary>
public class ConfigurationErrorTests
{
    [Fact]
    public void The_configuration_exception_is_a_QQuantException()
    {
        QuantConfigurationException e = BindFails("""{ "quantTransformer": { "polcy": {} } }""");

        Assert.IsAssignableFrom<QQuantException>(e);
        Assert.StartsWith("Invalid quantization configuration in 'quantTransformer'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_root_key_is_named_by_its_path_and_the_nearest_key_suggested()
    {
        QuantConfigurationException e = BindFails("""
            { "quantTransformer": { "polcy": { "Conv2d": { "type": "EightBitConv", "w": 4, "a": 4 } } } }
            """);

        string problem = Assert.Single(e.Problems);
        Assert.StartsWith("quantTransformer:polcy: unknown key 'polcy'; nearest: 'policy'", problem, StringComparison.Ordinal);
        Assert.Contains("quantTransformer:polcy", e.Message, StringComparison.Ordinal);
        Assert.Contains("'policy'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_layer_key_is_named_by_its_path()
    {
        QuantConfigurationException e = BindFails("""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "EightBitConv", "w": 4, "a": 4, "perChanelWeights": true } } } }
            """);

        string problem = Assert.Single(e.Problems);
        Assert.StartsWith(
            "quantTransformer:policy:Conv2d:perChanelWeights: unknown key 'perChanelWeights'; nearest: 'perChannelWeights'",
            problem,
            StringComparison.Ordinal);
        Assert.Contains("valid here:", problem, StringComparison.Ordinal);
        Assert.Contains("quantizeInput", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_layer_type_suggests_the_nearest_registered_name()
    {
        QuantConfigurationException e = BindFails("""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "EightBitCnv", "w": 4, "a": 4 } } } }
            """);

        string problem = Assert.Single(e.Problems);
        Assert.StartsWith(
            "quantTransformer:policy:Conv2d:type: unknown quantized layer type 'EightBitCnv'; nearest: 'EightBitConv'",
            problem,
            StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_module_type_key_suggests_the_nearest_TorchSharp_module()
    {
        QuantConfigurationException e = BindFails("""
            { "quantTransformer": { "policy": { "Conv2": { "type": "EightBitConv", "w": 4, "a": 4 } } } }
            """);

        string problem = Assert.Single(e.Problems);
        Assert.StartsWith("quantTransformer:policy:Conv2: 'Conv2' is not a TorchSharp module type", problem, StringComparison.Ordinal);
        Assert.Contains("nearest: 'Conv2d'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_reference_alias_is_known_only_where_its_package_registered_it()
    {
        QuantLayerRegistry eightBitOnly = new QuantLayerRegistry().AddScheme<EightBit>();
        QuantConfigurationException e = BindFails(
            """{ "quantTransformer": { "policy": { "Conv2d": { "type": "LSQConv2d", "w": 4, "a": 4 } } } }""",
            eightBitOnly);

        string problem = Assert.Single(e.Problems);
        Assert.StartsWith("quantTransformer:policy:Conv2d:type: unknown quantized layer type 'LSQConv2d'", problem, StringComparison.Ordinal);
        Assert.Contains("nearest: ", problem, StringComparison.Ordinal);
        Assert.Contains("'EightBitConv'", problem, StringComparison.Ordinal);
        Assert.Equal(QuantPolicy.For<Conv2d>().Use<EightBitConv>(8, 8, o => o.QuantizeInput = false).Build(),
            Bind("""{ "quantTransformer": { "policy": { "Conv2d": { "type": "EightBitQuantConv" } } } }""", eightBitOnly));
    }

    [Fact]
    public void A_reference_alias_of_a_built_in_layer_fails_in_an_empty_registry()
    {
        QuantConfigurationException e = BindFails(
            """{ "quantTransformer": { "policy": { "Conv2d": { "type": "EightBitQuantConv" } } } }""",
            new QuantLayerRegistry());

        string problem = Assert.Single(e.Problems);
        Assert.Contains("unknown quantized layer type 'EightBitQuantConv'", problem, StringComparison.Ordinal);
        Assert.Contains("call AddQuantizers()", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_user_layer_without_defaults_needs_w()
    {
        QuantLayerRegistry registry = Registry().Add<MyQuantConv>("MyQuantConv");

        QuantConfigurationException e = BindFails(
            """{ "quantTransformer": { "policy": { "Conv2d": { "type": "MyQuantConv", "a": 4 } } } }""",
            registry);

        Assert.Equal("quantTransformer:policy:Conv2d: needs \"w\" (weight bits)", Assert.Single(e.Problems));
    }

    [Fact]
    public void A_user_layer_without_defaults_needs_w_and_a()
    {
        QuantLayerRegistry registry = Registry().Add<MyQuantConv>("MyQuantConv");

        QuantConfigurationException e = BindFails(
            """{ "quantTransformer": { "policy": { "Conv2d": { "type": "MyQuantConv" } } } }""",
            registry);

        Assert.Equal(
            "quantTransformer:policy:Conv2d: needs \"w\" (weight bits) and \"a\" (activation bits)",
            Assert.Single(e.Problems));
    }

    [Fact]
    public void A_user_layer_with_registered_defaults_binds_without_bits()
    {
        QuantLayerRegistry registry = Registry().Add<MyQuantConv>("MyQuantConv", new QuantLayerDefaults(6, 5));

        QuantPolicy bound = Bind("""{ "quantTransformer": { "policy": { "Conv2d": { "type": "MyQuantConv" } } } }""", registry);

        Assert.Equal(QuantPolicy.For<Conv2d>().Use<MyQuantConv>(6, 5).Build(), bound);
    }

    [Fact]
    public void An_entry_without_type_lists_the_registered_layers()
    {
        QuantConfigurationException e = BindFails("""
            { "quantTransformer": { "policy": { "Conv2d": { "w": 4, "a": 4 } } } }
            """);

        Assert.Equal(
            "quantTransformer:policy:Conv2d: needs \"type\" (a quantized layer name; registered: "
            + string.Join(", ", Registry().Names.Order()) + ")",
            Assert.Single(e.Problems));
        Assert.Equal(8 + 16, Registry().Names.Count);
        Assert.Contains("LSQ", Registry().Names);
        Assert.DoesNotContain("LSQConv2d", Registry().Names);
        Assert.Contains("LSQConv2d", Registry().Aliases);
    }

    [Theory]
    [InlineData("4.5", "4.5")]
    [InlineData("\"four\"", "four")]
    [InlineData("true", "True")]
    public void Non_integer_bits_are_reported_with_their_path(string value, string expectedValue)
    {
        QuantConfigurationException e = BindFails($$"""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "EightBitConv", "w": {{value}}, "a": 4 } } } }
            """);

        Assert.Equal(
            $"quantTransformer:policy:Conv2d:w: '{expectedValue}' is not a whole number",
            Assert.Single(e.Problems));
    }

    [Fact]
    public void A_non_boolean_option_is_reported()
    {
        QuantConfigurationException e = BindFails("""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "EightBitConv", "quantizeInput": "maybe" } } } }
            """);

        Assert.Equal(
            "quantTransformer:policy:Conv2d:quantizeInput: 'maybe' is not true or false",
            Assert.Single(e.Problems));
    }

    [Fact]
    public void An_unknown_enum_value_lists_the_valid_ones()
    {
        QuantConfigurationException e = BindFails("""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "EightBitConv", "activationSign": "both" } } } }
            """);

        Assert.Equal(
            "quantTransformer:policy:Conv2d:activationSign: 'both' is not one of auto, unsigned, signed",
            Assert.Single(e.Problems));
    }

    [Fact]
    public void Nine_bits_fail_naming_the_key()
    {
        QuantConfigurationException e = BindFails("""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "EightBitConv", "w": 9, "a": 4 } } } }
            """);

        Assert.Equal("quantTransformer:policy:Conv2d:w: weight bits 9 are outside 1..8 (or 32 for float)", Assert.Single(e.Problems));
        Assert.Contains("'quantTransformer'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nine_activation_bits_in_an_override_fail_naming_the_key()
    {
        QuantConfigurationException e = BindFails("""
            { "quantTransformer": { "specialLayers": { "head.fc": { "type": "EightBitLinear", "w": 8, "a": 9 } } } }
            """);

        Assert.Equal(
            "quantTransformer:specialLayers:head.fc:a: activation bits 9 are outside 1..8 (or 32 for float)",
            Assert.Single(e.Problems));
    }

    [Fact]
    public void The_layer_s_own_setting_checks_name_the_entry()
    {
        QuantConfigurationException e = BindFails("""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "EightBitConv", "w": 1, "a": 4 } } } }
            """);

        Assert.Equal(
            "quantTransformer:policy:Conv2d: EightBitConv weights: the symmetric grid has 2^(b-1)-1 steps per side, so it needs at least 2 bits (w: 1)",
            Assert.Single(e.Problems));
    }

    [Fact]
    public void A_layer_given_to_a_module_type_it_cannot_convert_fails()
    {
        QuantConfigurationException e = BindFails("""
            { "quantTransformer": { "policy": { "Linear": { "type": "EightBitConv", "w": 4, "a": 4 } } } }
            """);

        Assert.Equal("For<Linear>(): EightBitConv converts Conv2d, not Linear", Assert.Single(e.Problems));
    }

    [Fact]
    public void Parallel_lists_of_different_lengths_fail()
    {
        QuantConfigurationException e = BindFails("""
            {
              "quantTransformer": {
                "special_layers": {
                  "layers_name": [ "conv1", "conv2" ],
                  "convert_type": [ { "type": "EightBitConv", "w": 4, "a": 4 } ]
                }
              }
            }
            """);

        Assert.Equal(
            "quantTransformer:special_layers: layers_name has 2 entries but convert_type has 1; "
            + "they are parallel lists and must have the same length",
            Assert.Single(e.Problems));
    }

    [Fact]
    public void A_problem_inside_the_ordered_list_is_named_by_its_index()
    {
        QuantConfigurationException e = BindFails("""
            {
              "quantTransformer": {
                "special_layers": {
                  "layers_name": [ "conv1", "conv2" ],
                  "convert_type": [ { "type": "EightBitConv", "w": 4, "a": 4 }, { "type": "EightBitCnv" } ]
                }
              }
            }
            """);

        Assert.StartsWith(
            "quantTransformer:special_layers:convert_type:1:type: unknown quantized layer type 'EightBitCnv'",
            Assert.Single(e.Problems),
            StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_key_beside_the_parallel_lists_is_reported()
    {
        QuantConfigurationException e = BindFails("""
            {
              "quantTransformer": {
                "special_layers": {
                  "layers_name": [ "conv1" ],
                  "convert_typ": [ { "type": "EightBitConv", "w": 4, "a": 4 } ]
                }
              }
            }
            """);

        Assert.Equal(2, e.Problems.Count);
        Assert.StartsWith(
            "quantTransformer:special_layers:convert_typ: unknown key 'convert_typ'; nearest: 'convert_type'",
            e.Problems[0],
            StringComparison.Ordinal);
        Assert.Equal(
            "quantTransformer:special_layers: layers_name has 1 entries but convert_type has 0; "
            + "they are parallel lists and must have the same length",
            e.Problems[1]);
    }

    [Fact]
    public void An_unknown_transformer_type_fails()
    {
        QuantConfigurationException e = BindFails("""
            { "quantTransformer": { "type": "LSQTransformer", "policy": { "Conv2d": { "type": "EightBitConv" } } } }
            """);

        string problem = Assert.Single(e.Problems);
        Assert.StartsWith(
            "quantTransformer:type: unknown transformer type 'LSQTransformer'; use 'QuantTransformer'",
            problem,
            StringComparison.Ordinal);
        Assert.Contains("mTransformerV2", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_section_fails()
    {
        var e = Assert.Throws<QuantConfigurationException>(() =>
            QuantPolicy.FromConfiguration(Json("""{ "other": { "x": 1 } }""").GetSection("quantTransformer"), Registry()));

        Assert.Equal("quantTransformer: the section is missing or empty", Assert.Single(e.Problems));
        Assert.Equal(
            "Invalid quantization configuration in 'quantTransformer': quantTransformer: the section is missing or empty",
            e.Message);
    }

    [Fact]
    public void An_empty_section_fails()
    {
        QuantConfigurationException e = BindFails("""{ "quantTransformer": { } }""");

        Assert.Equal("quantTransformer: the section is missing or empty", Assert.Single(e.Problems));
    }

    [Fact]
    public void All_problems_are_reported_at_once()
    {
        QuantConfigurationException e = BindFails("""
            {
              "quantTransformer": {
                "polcy": { },
                "policy": { "Conv2d": { "type": "EightBitConv", "w": 4, "a": 4, "bits": 4 } }
              }
            }
            """);

        Assert.Equal(2, e.Problems.Count);
        Assert.Contains(e.Problems, p => p.StartsWith("quantTransformer:polcy: unknown key 'polcy'", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("quantTransformer:policy:Conv2d:bits: unknown key 'bits'", StringComparison.Ordinal));
        Assert.Contains("(2 problems)", e.Message, StringComparison.Ordinal);
        Assert.Contains("  - quantTransformer:polcy", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_from_every_part_of_the_section_are_collected()
    {
        QuantConfigurationException e = BindFails("""
            {
              "quantTransformer": {
                "type": "Nope",
                "policy": { "Conv2": { "type": "EightBitCnv", "w": 4, "a": 4 } },
                "specialLayers": { "head.fc": { "type": "EightBitLinear", "w": "x" } }
              }
            }
            """);

        Assert.Equal(4, e.Problems.Count);
        Assert.Contains(e.Problems, p => p.StartsWith("quantTransformer:type:", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("quantTransformer:policy:Conv2:type:", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("quantTransformer:policy:Conv2:", StringComparison.Ordinal)
                                         && p.Contains("not a TorchSharp module type", StringComparison.Ordinal));
        Assert.Contains("quantTransformer:specialLayers:head.fc:w: 'x' is not a whole number", e.Problems);
    }

    [Fact]
    public void FromJsonFile_with_a_missing_file_names_the_file()
    {
        using var folder = new TemporaryFolder("qquant-config-");
        string path = Path.Combine(folder.Path, "missing.json");

        var e = Assert.Throws<QuantConfigurationException>(() => QuantPolicy.FromJsonFile(path, Registry()));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.StartsWith($"Invalid quantization configuration in {path} (section 'quantTransformer')", e.Message, StringComparison.Ordinal);
        Assert.Single(e.Problems);
    }

    [Fact]
    public void FromJsonFile_with_invalid_json_names_the_file()
    {
        using var folder = new TemporaryFolder("qquant-config-");
        string path = folder.Write("broken.json", Encoding.UTF8.GetBytes("""{ "quantTransformer": { "policy": """));

        var e = Assert.Throws<QuantConfigurationException>(() => QuantPolicy.FromJsonFile(path, Registry()));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Single(e.Problems);
    }

    [Fact]
    public void FromJsonFile_with_a_binding_problem_names_the_file_and_the_key()
    {
        using var folder = new TemporaryFolder("qquant-config-");
        string path = folder.Write("bad.json", Encoding.UTF8.GetBytes("""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "EightBitCnv" } } } }
            """));

        var e = Assert.Throws<QuantConfigurationException>(() => QuantPolicy.FromJsonFile(path, Registry()));

        Assert.StartsWith($"Invalid quantization configuration in {path} (section 'quantTransformer'): ", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("quantTransformer:policy:Conv2d:type:", Assert.Single(e.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void FromJsonFile_with_a_missing_section_names_the_file_and_the_section()
    {
        using var folder = new TemporaryFolder("qquant-config-");
        string path = folder.Write("other.json", Encoding.UTF8.GetBytes("""{ "logging": { "level": "info" } }"""));

        var e = Assert.Throws<QuantConfigurationException>(() => QuantPolicy.FromJsonFile(path, Registry(), "quant"));

        Assert.Equal(
            $"Invalid quantization configuration in {path} (section 'quant'): quant: the section is missing or empty",
            e.Message);
    }

    [Fact]
    public void An_invalid_name_pattern_fails_naming_the_key()
    {
        QuantConfigurationException e = BindFails("""
            { "quantTransformer": { "except": [ "neck..conv" ] } }
            """);

        Assert.Equal(
            "quantTransformer:except:0: 'neck..conv' has an empty segment (two dots, or a dot at an end)",
            Assert.Single(e.Problems));
    }

    /// <summary>
    /// A value of the wrong kind is a binding error (see <see cref="QuantConfigurationException"/>): a policy written
    /// as a string instead of an object must not bind silently to an empty policy.
    /// </summary>
    [Fact]
    public void A_policy_given_as_a_string_is_reported()
    {
        QuantConfigurationException e = BindFails("""
            { "quantTransformer": { "type": "QuantTransformer", "policy": "EightBitConv" } }
            """);

        Assert.StartsWith("quantTransformer:policy", Assert.Single(e.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Two_keys_naming_one_module_type_are_reported_with_both_paths()
    {
        QuantConfigurationException e = BindFails("""
            {
              "quantTransformer": {
                "policy": {
                  "Conv2d": { "type": "EightBitConv", "w": 4, "a": 4 },
                  "nn.Conv2d": { "type": "EightBitConv", "w": 8, "a": 8 }
                }
              }
            }
            """);

        string problem = Assert.Single(e.Problems);
        Assert.Contains("quantTransformer:policy:Conv2d", problem, StringComparison.Ordinal);
        Assert.Contains("quantTransformer:policy:nn.Conv2d", problem, StringComparison.Ordinal);
    }
}
