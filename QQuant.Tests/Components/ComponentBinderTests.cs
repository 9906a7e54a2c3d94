using System.Text;
using Microsoft.Extensions.Configuration;

namespace QQuant.Tests.Components;

public class ComponentBinderTests
{
    public abstract class Shape
    {
        public abstract double Area { get; }
    }

    public enum Corner
    {
        TopLeft,
        BottomRight,
    }

    public sealed class Square(SquareOptions o) : Shape
    {
        public SquareOptions Options { get; } = o;

        public override double Area => Options.Side * Options.Side;
    }

    public sealed class SquareOptions
    {
        public double Side { get; set; } = 1;

        [ReferenceKey("num_copies")]
        public int Copies { get; set; } = 1;

        public int? Limit { get; set; } = 7;

        public Corner Anchor { get; set; }

        public int[] Sizes { get; set; } = [];

        public IReadOnlyList<double> Weights { get; set; } = [];

        public string? Label { get; set; }

        public bool Filled { get; set; }
    }

    public sealed class Group(GroupOptions o) : Shape
    {
        public GroupOptions Options { get; } = o;

        public override double Area => (Options.Main?.Area ?? 0) + Options.Parts.Sum(p => p.Area);
    }

    public sealed class GroupOptions
    {
        public Shape? Main { get; set; }

        public IReadOnlyList<Shape> Parts { get; set; } = [];

        public Margins Margin { get; set; } = new();
    }

    public sealed class Margins
    {
        public int Top { get; set; }

        public int Left { get; set; }
    }

    private static ComponentRegistry Registry() => new ComponentRegistry()
        .Add<Shape, SquareOptions>("Square", o => o.Side < 0 ? throw new ArgumentException($"side must be >= 0, got {o.Side}.") : new Square(o))
        .Add<Shape, GroupOptions>("Group", o => new Group(o));

    private static IConfigurationSection Section(string json, string key = "shape") =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build().GetSection(key);

    [Fact]
    public void Scalars_enums_lists_and_reference_spellings_bind_ignoring_case_and_underscores()
    {
        var square = (Square)Registry().Build<Shape>(Section("""
            { "shape": { "type": "square", "SIDE": 2.5, "num_copies": 3, "limit": null, "anchor": "bottom_right",
                         "sizes": [4, 5, 6], "weights": 0.5, "label": "a", "filled": true } }
            """));

        Assert.Equal(2.5, square.Options.Side);
        Assert.Equal(3, square.Options.Copies);
        Assert.Null(square.Options.Limit);
        Assert.Equal(Corner.BottomRight, square.Options.Anchor);
        Assert.Equal([4, 5, 6], square.Options.Sizes);
        Assert.Equal([0.5], square.Options.Weights);
        Assert.Equal("a", square.Options.Label);
        Assert.True(square.Options.Filled);
        Assert.Equal(6.25, square.Area);
    }

    [Fact]
    public void Keys_left_out_keep_the_options_defaults()
    {
        var square = (Square)Registry().Build<Shape>(Section("""{ "shape": { "type": "Square" } }"""));

        Assert.Equal(1, square.Options.Side);
        Assert.Equal(7, square.Options.Limit);
        Assert.Empty(square.Options.Sizes);
    }

    [Fact]
    public void Properties_of_a_registered_kind_and_lists_of_them_are_built_from_their_sections()
    {
        var group = (Group)Registry().Build<Shape>(Section("""
            { "shape": { "type": "Group", "main": { "type": "Square", "side": 3 },
                         "parts": [ { "type": "Square", "side": 1 }, { "type": "Group", "parts": { "type": "Square", "side": 2 } } ],
                         "margin": { "top": 4, "left": 5 } } }
            """));

        Assert.Equal(9 + 1 + 4, group.Area);
        Assert.Equal(2, group.Options.Parts.Count);
        Assert.Equal((4, 5), (group.Options.Margin.Top, group.Options.Margin.Left));
    }

    [Fact]
    public void An_unknown_key_names_its_path_and_the_nearest_valid_keys()
    {
        var e = Assert.Throws<ComponentConfigurationException>(() =>
            Registry().Build<Shape>(Section("""{ "shape": { "type": "Square", "sied": 2 } }""")));

        string problem = Assert.Single(e.Problems);
        Assert.Contains("shape:sied", problem);
        Assert.Contains("'side'", problem);
        Assert.Contains("valid here: side, copies, limit, anchor, sizes, weights, label, filled", problem);
    }

    [Fact]
    public void An_unknown_or_missing_type_names_the_registered_ones()
    {
        var unknown = Assert.Throws<ComponentConfigurationException>(() =>
            Registry().Build<Shape>(Section("""{ "shape": { "type": "Sqare" } }""")));
        var missing = Assert.Throws<ComponentConfigurationException>(() =>
            Registry().Build<Shape>(Section("""{ "shape": { "side": 2 } }""")));
        var absent = Assert.Throws<ComponentConfigurationException>(() =>
            Registry().Build<Shape>(Section("""{ "other": 1 }""")));

        Assert.Contains("shape:type: unknown Shape 'Sqare'; nearest: 'Square'", unknown.Message);
        Assert.Contains("registered: Group, Square", unknown.Message);
        Assert.Contains("shape: the 'type' key is missing", missing.Message);
        Assert.Contains("shape: expected an object with a 'type' key naming a Shape", absent.Message);
    }

    [Fact]
    public void Every_problem_is_reported_at_once_with_its_path()
    {
        var e = Assert.Throws<ComponentConfigurationException>(() => Registry().Build<Shape>(Section("""
            { "shape": { "type": "Group",
                         "main": { "type": "Square", "side": "wide", "anchor": "middle" },
                         "parts": [ { "type": "Circle" }, { "type": "Square", "copies": 1.5, "sizes": { "a": 1 } } ],
                         "margin": { "bottom": 1 } } }
            """)));

        Assert.Equal(6, e.Problems.Count);
        Assert.Contains(e.Problems, p => p.StartsWith("shape:main:side: 'wide' is not a number", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("shape:main:anchor: 'middle' is not one of topLeft, bottomRight", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("shape:parts:0:type: unknown Shape 'Circle'", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("shape:parts:1:copies: '1.5' is not a whole number", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("shape:parts:1:sizes: expected a list of a whole number, got an object", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("shape:margin:bottom: unknown key 'bottom'", StringComparison.Ordinal));
    }

    [Fact]
    public void A_factory_that_rejects_its_options_is_reported_under_the_sections_path()
    {
        var e = Assert.Throws<ComponentConfigurationException>(() =>
            Registry().Build<Shape>(Section("""{ "shape": { "type": "Group", "main": { "type": "Square", "side": -1 } } }""")));

        Assert.Equal("shape:main (Square): side must be >= 0, got -1.", Assert.Single(e.Problems));
        Assert.StartsWith("Invalid configuration in 'shape'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_component_too_large_to_allocate_is_reported_under_its_path_not_as_a_native_stack()
    {
        // 2^40 floats (4 TiB) is more than any machine here can give, so libtorch refuses it at once.
        ComponentRegistry registry = Registry().Add<Shape, SquareOptions>("Square", o =>
        {
            using var huge = TorchSharp.torch.empty((long)o.Side, 1L << 20);
            return new Square(o);
        });

        var e = Assert.Throws<ComponentConfigurationException>(() =>
            registry.Build<Shape>(Section("""{ "shape": { "type": "Group", "main": { "type": "Square", "side": 1048576 } } }""")));

        string problem = Assert.Single(e.Problems);
        Assert.StartsWith("shape:main (Square): building it needs more memory than there is (libtorch could not allocate 4398046511104 bytes)", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("frame #", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_null_for_a_non_nullable_value_is_an_error()
    {
        var e = Assert.Throws<ComponentConfigurationException>(() =>
            Registry().Build<Shape>(Section("""{ "shape": { "type": "Square", "side": null } }""")));

        Assert.Contains("shape:side: a value is required (a number)", e.Message);
    }

    [Fact]
    public void Registering_a_name_again_replaces_the_factory_and_options_bind_alone()
    {
        ComponentRegistry registry = Registry().Add<Shape, SquareOptions>("Square", o => new Square(new SquareOptions { Side = o.Side * 10 }));

        Assert.Equal(400, registry.Build<Shape>(Section("""{ "shape": { "type": "Square", "side": 2 } }""")).Area);
        Assert.Equal(["Group", "Square"], registry.TypesOf<Shape>().Order());
        Assert.Equal(3, registry.BindOptions<Margins>(Section("""{ "m": { "top": 3 } }""", "m")).Top);
    }
}
