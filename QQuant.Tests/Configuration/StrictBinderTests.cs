using Microsoft.Extensions.Configuration;
using TorchSharp.Modules;
using static QQuant.Tests.Configuration.ConfigurationTestSupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Configuration;

/// <summary>Options with one property of each kind the configuration binders support, bound as a policy layer's and as a component's.</summary>
public sealed record ProbeOptions : QuantLayerOptions
{
    public ProbeCorner Anchor { get; set; }

    [ReferenceKey("num_copies")]
    public int Copies { get; set; } = 1;

    public long Count { get; set; }

    public float Ratio { get; set; }

    public double Scale { get; set; } = 1;

    public int? Limit { get; set; } = 7;

    public double? Clip { get; set; } = 0.5;

    public int[] Sizes { get; set; } = [9];

    public IReadOnlyList<double> Weights { get; set; } = [];

    public IReadOnlyList<int>? Indices { get; set; } = [1];

    public string? Label { get; set; } = "default";

    public bool Filled { get; set; }

    public ProbeMargins Margin { get; set; } = new() { Top = 1 };

    public TimeSpan Delay { get; set; }
}

public enum ProbeCorner
{
    TopLeft,
    BottomRight,
}

public sealed class ProbeMargins
{
    public int Top { get; set; }

    public int Left { get; set; }
}

/// <summary>A quantized convolution whose only purpose is to own <see cref="ProbeOptions"/>.</summary>
public sealed class ProbeConv : QuantizedConv2d, IQuantizedLayer<ProbeConv>
{
    private ProbeConv(Conv2d source, QuantLayerSettings settings)
        : base(nameof(ProbeConv), source, settings, () => new IdentityQuantizer(), () => new IdentityQuantizer())
    {
    }

    public static IReadOnlyList<Type> ConvertsFrom { get; } = [typeof(Conv2d)];

    public static ProbeConv FromFloat(nn.Module<Tensor, Tensor> source, QuantLayerSettings settings) => new((Conv2d)source, settings);

    public static QuantLayerOptions CreateOptions() => new ProbeOptions();
}

public sealed class Probe(ProbeOptions options)
{
    public ProbeOptions Options { get; } = options;
}

/// <summary>
/// The policy binder (a layer's options) and the component binder (a component's options) share one strict value
/// binder: the same spellings bind, the same ones fail, and each problem reads the same after its key path.
/// </summary>
public class StrictBinderTests
{
    public const string Policy = "policy";
    public const string Component = "component";

    private static ProbeOptions Bind(string entry, string body) =>
        entry == Policy
            ? (ProbeOptions)Assert.Single(ConfigurationTestSupport.Bind(PolicyJson(body), PolicyRegistry()).TypeRules).Target.Settings!.Options
            : new ComponentRegistry().Add<Probe, ProbeOptions>("Probe", o => new Probe(o)).Build<Probe>(ComponentSection(body)).Options;

    private static IReadOnlyList<string> Problems(string entry, string body) =>
        entry == Policy
            ? BindFails(PolicyJson(body), PolicyRegistry()).Problems
            : Assert.Throws<ComponentConfigurationException>(() =>
                new ComponentRegistry().Add<Probe, ProbeOptions>("Probe", o => new Probe(o)).Build<Probe>(ComponentSection(body))).Problems;

    private static string At(string entry, string key) => (entry == Policy ? "quantTransformer:policy:Conv2d:" : "probe:") + key;

    private static QuantLayerRegistry PolicyRegistry() => Registry().Add<ProbeConv>(nameof(ProbeConv));

    private static string PolicyJson(string body) =>
        $$"""{ "quantTransformer": { "policy": { "Conv2d": { "type": "ProbeConv", "w": 4, "a": 4, {{body}} } } } }""";

    private static IConfigurationSection ComponentSection(string body) =>
        Json($$"""{ "probe": { "type": "Probe", {{body}} } }""").GetSection("probe");

    [Theory]
    [InlineData(Policy, "bottomRight")]
    [InlineData(Policy, "BottomRight")]
    [InlineData(Policy, "BOTTOMRIGHT")]
    [InlineData(Policy, "bottom_right")]
    [InlineData(Policy, "bottom-right")]
    [InlineData(Component, "bottomRight")]
    [InlineData(Component, "BottomRight")]
    [InlineData(Component, "BOTTOMRIGHT")]
    [InlineData(Component, "bottom_right")]
    [InlineData(Component, "bottom-right")]
    public void An_enum_binds_by_name_ignoring_case_underscores_and_hyphens(string entry, string spelling)
    {
        Assert.Equal(ProbeCorner.BottomRight, Bind(entry, $$"""  "anchor": "{{spelling}}" """).Anchor);
    }

    [Theory]
    [InlineData(Policy)]
    [InlineData(Component)]
    public void Long_float_double_nullable_and_reference_keys_bind(string entry)
    {
        ProbeOptions options = Bind(entry, """
            "count": 5000000000, "ratio": 0.25, "scale": 1e-3, "limit": null, "clip": 2.5, "num_copies": 3,
            "label": "", "filled": "True", "quant_activation": false
            """);

        Assert.Equal(5_000_000_000L, options.Count);
        Assert.Equal(0.25f, options.Ratio);
        Assert.Equal(1e-3, options.Scale);
        Assert.Null(options.Limit);
        Assert.Equal(2.5, options.Clip);
        Assert.Equal(3, options.Copies);
        Assert.Equal("", options.Label);
        Assert.True(options.Filled);
        Assert.False(options.QuantizeInput);
    }

    [Theory]
    [InlineData(Policy)]
    [InlineData(Component)]
    public void Lists_bind_from_arrays_single_values_and_empty_arrays(string entry)
    {
        ProbeOptions options = Bind(entry, """ "sizes": [4, 5, 6], "weights": 0.5, "indices": [] """);
        ProbeOptions nulled = Bind(entry, """ "indices": null """);

        Assert.Equal([4, 5, 6], options.Sizes);
        Assert.Equal([0.5], options.Weights);
        Assert.NotNull(options.Indices);
        Assert.Empty(options.Indices);
        Assert.Null(nulled.Indices);
    }

    [Theory]
    [InlineData(Policy)]
    [InlineData(Component)]
    public void Nested_options_bind_from_their_section_and_an_empty_one_keeps_their_defaults(string entry)
    {
        ProbeOptions options = Bind(entry, """ "margin": { "top": 4, "left": 5 } """);
        ProbeOptions empty = Bind(entry, """ "margin": {} """);

        Assert.Equal((4, 5), (options.Margin.Top, options.Margin.Left));
        Assert.NotNull(empty.Margin);
        Assert.Equal(0, empty.Margin.Top);
    }

    public static TheoryData<string, string, string, string> Rejected()
    {
        (string Body, string Key, string Problem)[] rows =
        [
            (""" "anchor": "middle" """, "anchor", "'middle' is not one of topLeft, bottomRight"),
            (""" "anchor": "1" """, "anchor", "'1' is not one of topLeft, bottomRight"),
            (""" "anchor": "topLeft, bottomRight" """, "anchor", "'topLeft, bottomRight' is not one of topLeft, bottomRight"),
            (""" "anchor": null """, "anchor", "a value is required (one of topLeft, bottomRight)"),
            (""" "count": 1.5 """, "count", "'1.5' is not a whole number"),
            (""" "copies": 5000000000 """, "copies", "'5000000000' is not a whole number"),
            (""" "copies": null """, "copies", "a value is required (a whole number)"),
            (""" "ratio": "x" """, "ratio", "'x' is not a number"),
            (""" "scale": "1,5" """, "scale", "'1,5' is not a number"),
            (""" "limit": 2.5 """, "limit", "'2.5' is not a whole number"),
            (""" "filled": "yes" """, "filled", "'yes' is not true or false"),
            (""" "filled": { "x": 1 } """, "filled", "expected true or false, got an object or a list"),
            (""" "label": { "x": 1 } """, "label", "expected a string, got an object or a list"),
            (""" "sizes": { "a": 1 } """, "sizes", "expected a list of a whole number, got an object"),
            (""" "sizes": [1, "x"] """, "sizes:1", "'x' is not a whole number"),
            (""" "sizes": null """, "sizes", "a value is required (a list of a whole number)"),
            (""" "margin": 3 """, "margin", "'3' is not a ProbeMargins object"),
            (""" "delay": "00:01" """, "delay", "options of type TimeSpan cannot be set from configuration"),
        ];
        var data = new TheoryData<string, string, string, string>();
        foreach (string entry in new[] { Policy, Component })
        {
            foreach ((string body, string key, string problem) in rows)
            {
                data.Add(entry, body, key, problem);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Rejected))]
    public void A_value_of_the_wrong_kind_is_one_problem_naming_its_key_path(string entry, string body, string key, string problem)
    {
        Assert.Equal($"{At(entry, key)}: {problem}", Assert.Single(Problems(entry, body)));
    }

    [Theory]
    [InlineData(Policy)]
    [InlineData(Component)]
    public void An_unknown_key_names_its_path_the_nearest_names_and_the_valid_ones(string entry)
    {
        string problem = Assert.Single(Problems(entry, """ "scael": 2 """));

        Assert.StartsWith($"{At(entry, "scael")}: unknown key 'scael'; nearest: 'scale'", problem, StringComparison.Ordinal);
        Assert.Contains("anchor, copies, count, ratio, scale, limit, clip, sizes, weights, indices, label, filled, margin, delay", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("num_copies", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Policy)]
    [InlineData(Component)]
    public void A_misspelt_reference_key_suggests_the_reference_spelling(string entry)
    {
        string problem = Assert.Single(Problems(entry, """ "num_copy": 2 """));

        Assert.StartsWith($"{At(entry, "num_copy")}: unknown key 'num_copy'; nearest: 'num_copies'", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Policy)]
    [InlineData(Component)]
    public void An_unknown_key_in_nested_options_names_its_path(string entry)
    {
        string problem = Assert.Single(Problems(entry, """ "margin": { "lfet": 1 } """));

        Assert.StartsWith($"{At(entry, "margin:lfet")}: unknown key 'lfet'; nearest: 'left'", problem, StringComparison.Ordinal);
        Assert.EndsWith("(valid here: top, left)", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Policy)]
    [InlineData(Component)]
    public void Two_spellings_of_one_option_are_a_problem(string entry)
    {
        Assert.Equal(
            $"{At(entry, "num_copies")}: sets the same option as {At(entry, "copies")}; keep one",
            Assert.Single(Problems(entry, """ "copies": 2, "num_copies": 3 """)));
    }

    [Fact]
    public void Two_spellings_of_the_weight_bits_are_a_problem()
    {
        QuantConfigurationException e = BindFails("""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "EightBitConv", "w": 4, "num_bit_w": 8, "a": 4 } } } }
            """);

        Assert.Equal(
            "quantTransformer:policy:Conv2d:w: sets the same option as quantTransformer:policy:Conv2d:num_bit_w; keep one",
            Assert.Single(e.Problems));
    }

    [Fact]
    public void ActivationSign_beside_the_reference_s_signed_is_a_problem()
    {
        QuantConfigurationException e = BindFails("""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "EightBitConv", "w": 4, "a": 4, "activationSign": "signed", "signed": false } } } }
            """);

        Assert.Equal(
            "quantTransformer:policy:Conv2d:activationSign: sets the same option as the reference's signed/auto_signed; keep one",
            Assert.Single(e.Problems));
    }

    [Fact]
    public void Bit_widths_and_the_reference_flags_use_the_same_value_rules()
    {
        QuantConfigurationException e = BindFails("""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "EightBitConv", "w": null, "a": 4, "bSetQ": "no" } } } }
            """);

        Assert.Equal(2, e.Problems.Count);
        Assert.Contains("quantTransformer:policy:Conv2d:w: a value is required (a whole number)", e.Problems);
        Assert.Contains("quantTransformer:policy:Conv2d:bSetQ: 'no' is not true or false", e.Problems);
    }
}
