using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Configuration.ConfigurationTestSupport;
using static QQuant.Tests.Quantizers.Properties.PropertySupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Properties;

/// <summary>
/// What the layers refuse, and how they say so: unknown option keys in configuration, settings the algorithm cannot
/// build (rejected when the policy is built, naming the rule and the layer), and non-finite data in the first training
/// batch (naming the quantizer's path in the model).
/// </summary>
public class BadInputTests
{
    public static TheoryData<string> FamilyNames() => [.. Families];

    // ---------------------------------------------------------------------------------------------------------------
    // Unknown option keys.
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void A_misspelt_LSQConv_option_is_named_with_its_path_and_the_nearest_valid_key()
    {
        QuantConfigurationException e = BindFails("""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "LSQConv", "w": 4, "a": 4, "scaleGradiant": false } } } }
            """);

        string problem = Assert.Single(e.Problems);
        Assert.StartsWith(
            "quantTransformer:policy:Conv2d:scaleGradiant: unknown key 'scaleGradiant'; nearest: 'scaleGradient'",
            problem,
            StringComparison.Ordinal);
        Assert.Contains("valid here:", problem, StringComparison.Ordinal);
        foreach (string valid in new[] { "scaleGradient", "perChannelWeights", "quantizeInput", "activationSign" })
        {
            Assert.Contains(valid, problem, StringComparison.Ordinal);
        }

        Assert.Contains("scaleGradiant", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_option_of_another_algorithm_is_unknown_to_LSQConv()
    {
        // learnOffset belongs to LSQ+; LSQConv's options do not have it.
        QuantConfigurationException e = BindFails("""
            { "quantTransformer": { "policy": { "Conv2d": { "type": "LSQConv2d", "w": 4, "a": 4, "add_offset": true } } } }
            """);

        string problem = Assert.Single(e.Problems);
        Assert.StartsWith("quantTransformer:policy:Conv2d:add_offset: unknown key 'add_offset'", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("learnOffset", problem, StringComparison.Ordinal);
        Assert.Contains("scaleGradient", problem, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Impossible settings, rejected by Build().
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>(case, the rule's layer, w, a, text every problem message must hold).</summary>
    public static TheoryData<string, string, int, int, string[]> Impossible() => new()
    {
        { "1-bit LSQ+ weight", "LSQPlusConv", 1, 4, ["For<Conv2d>()", "LSQPlusConv weights", "2 bits"] },
        { "1-bit LSQ+ input", "LSQPlusLinear", 4, 1, ["For<Linear>()", "LSQPlusLinear inputs (Auto)", "2 bits"] },
        { "1-bit unsigned LSQ+ input", "LSQPlusConv", 4, 1, ["LSQPlusConv inputs (Unsigned)", "2 bits"] },
        { "per-channel DSQ conv", "DSQConv", 4, 4, ["For<Conv2d>()", "DSQConv", "perChannelWeights is not supported"] },
        { "per-channel DSQ linear", "DSQLinear", 4, 4, ["For<Linear>()", "DSQLinear", "perChannelWeights is not supported"] },
        { "1-bit signed LSQ input", "LSQLinear", 4, 1, ["For<Linear>()", "LSQLinear inputs (Signed)", "2 bits", "Unsigned"] },
        { "1-bit Auto LSQ input", "LSQConv", 4, 1, ["LSQConv inputs (Auto)", "2 bits", "Unsigned"] },
        { "1-bit LSQ weight", "LSQConv", 1, 4, ["LSQConv weights", "2 bits"] },
        { "1-bit signed PACT input", "PACTConv", 4, 1, ["PACTConv inputs (Signed)", "2 bits"] },
        { "7-bit unsigned APoT input", "APoTConv", 5, 7, ["For<Conv2d>()", "APoTConv inputs (Unsigned)", "1..6"] },
        { "7-bit Auto APoT input", "APoTLinear", 5, 7, ["APoTLinear inputs (Auto)", "1..6"] },
        { "8-bit APoT weight", "APoTLinear", 8, 4, ["APoTLinear weights", "2..7"] },
        { "1-bit signed uniform input", "UniformLinear", 4, 1, ["UniformLinear inputs (Signed)", "2 bits"] },
        { "initial clip 0 for PACT", "PACTConv", 4, 4, ["For<Conv2d>()", "PACTConv: initialClip 0 must be positive"] },
        { "negative initial clip for PACT", "PACTLinear", 4, 4, ["PACTLinear: initialClip -1 must be positive"] },
        { "initial clip 0 for APoT", "APoTConv", 4, 4, ["APoTConv: initialClip 0 must be positive"] },
        { "negative initial clip for uniform", "UniformLinear", 4, 4, ["UniformLinear: initialClip -1 must be positive"] },
        { "DSQ alpha at 0.5", "DSQConv", 4, 4, ["DSQConv: initialAlpha 0.5 is outside (0, 0.5)"] },
    };

    /// <summary>The option changes each impossible case makes.</summary>
    private static Action<QuantLayerOptions>? Configure(string name) => name switch
    {
        "1-bit unsigned LSQ+ input" => o => o.ActivationSign = ActivationSign.Unsigned,
        "per-channel DSQ conv" or "per-channel DSQ linear" => o => o.PerChannelWeights = true,
        "1-bit signed LSQ input" or "1-bit signed PACT input" or "1-bit signed uniform input" =>
            o => o.ActivationSign = ActivationSign.Signed,
        "7-bit unsigned APoT input" => o => o.ActivationSign = ActivationSign.Unsigned,
        "initial clip 0 for PACT" or "initial clip 0 for APoT" => o => ((ClipOptions)o).InitialClip = 0,
        "negative initial clip for PACT" or "negative initial clip for uniform" => o => ((ClipOptions)o).InitialClip = -1,
        "DSQ alpha at 0.5" => o => ((DsqOptions)o).InitialAlpha = 0.5,
        _ => null,
    };

    [Theory]
    [MemberData(nameof(Impossible))]
    public void An_impossible_setting_is_rejected_when_the_policy_is_built_naming_the_layer(
        string name, string layer, int w, int a, string[] fragments)
    {
        QuantPolicyBuilder builder = Single(layer, w, a, Configure(name));

        var error = Assert.Throws<QuantPolicyException>(() => builder.Build());

        string problem = Assert.Single(error.Problems);
        foreach (string fragment in fragments)
        {
            Assert.Contains(fragment, problem, StringComparison.Ordinal);
        }

        Assert.Contains(layer, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Impossible))]
    public void An_impossible_setting_in_configuration_is_rejected_naming_its_key(
        string name, string layer, int w, int a, string[] fragments)
    {
        string option = name switch
        {
            "1-bit unsigned LSQ+ input" or "7-bit unsigned APoT input" => ", \"activationSign\": \"Unsigned\"",
            "per-channel DSQ conv" or "per-channel DSQ linear" => ", \"kernel_wise\": true",
            "1-bit signed LSQ input" or "1-bit signed PACT input" or "1-bit signed uniform input" => ", \"signed\": true",
            "initial clip 0 for PACT" or "initial clip 0 for APoT" => ", \"initialClip\": 0",
            "negative initial clip for PACT" or "negative initial clip for uniform" => ", \"initialClip\": -1",
            "DSQ alpha at 0.5" => ", \"initialAlpha\": 0.5",
            _ => "",
        };
        string module = IsConv(layer) ? "Conv2d" : "Linear";

        QuantConfigurationException e = BindFails($$"""
            { "quantTransformer": { "policy": { "{{module}}": { "type": "{{layer}}", "w": {{w}}, "a": {{a}}{{option}} } } } }
            """);

        string problem = Assert.Single(e.Problems);
        Assert.StartsWith($"quantTransformer:policy:{module}: {layer}", problem, StringComparison.Ordinal);
        foreach (string fragment in fragments.Where(f => !f.StartsWith("For<", StringComparison.Ordinal)))
        {
            Assert.Contains(fragment, problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Refusing_a_1_bit_signed_LSQ_input_suggests_the_unsigned_grid_LSQ_accepts()
    {
        var lsq = Assert.Throws<QuantPolicyException>(() => Single("LSQLinear", 4, 1).Build());

        Assert.Contains("set activationSign to Unsigned", Assert.Single(lsq.Problems), StringComparison.Ordinal);
        Single("LSQLinear", 4, 1, o => o.ActivationSign = ActivationSign.Unsigned).Build();
    }

    [Fact]
    public void Refusing_a_1_bit_LSQ_plus_input_does_not_suggest_an_unsigned_grid_LSQ_plus_also_refuses()
    {
        Assert.Throws<QuantPolicyException>(() =>
            Single("LSQPlusLinear", 4, 1, o => o.ActivationSign = ActivationSign.Unsigned).Build());

        var plus = Assert.Throws<QuantPolicyException>(() => Single("LSQPlusLinear", 4, 1).Build());

        Assert.DoesNotContain("Unsigned", Assert.Single(plus.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Refusing_an_8_bit_Auto_APoT_input_states_the_range_an_Auto_input_accepts()
    {
        // Auto needs both grids: signed 2..7 and unsigned 1..6, so 2..6; 7 bits are refused as well.
        Assert.Throws<QuantPolicyException>(() => Single("APoTLinear", 4, 7).Build());

        var e = Assert.Throws<QuantPolicyException>(() => Single("APoTLinear", 4, 8).Build());

        string problem = Assert.Single(e.Problems);
        Assert.Contains("APoTLinear inputs (Auto)", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("2..7", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_valid_neighbours_of_the_impossible_settings_build()
    {
        QuantPolicy[] policies =
        [
            Single("LSQPlusConv", 2, 2),
            Single("DSQConv", 1, 1),
            Single("LSQLinear", 2, 1, o => o.ActivationSign = ActivationSign.Unsigned),
            Single("PACTConv", 1, 1, o => o.ActivationSign = ActivationSign.Unsigned),
            Single("APoTConv", 7, 7, o => o.ActivationSign = ActivationSign.Signed),
            Single("APoTConv", 5, 6, o => o.ActivationSign = ActivationSign.Unsigned),
            Single("APoTLinear", 8, 8, o => ((APoTOptions)o).PowerOfTwo = false),
            Single("UniformLinear", 8, 1, o => o.ActivationSign = ActivationSign.Unsigned),
            Single("PACTLinear", 4, 4, o => ((ClipOptions)o).InitialClip = 1e-3),
            Single("DSQLinear", 4, 4, o => ((DsqOptions)o).InitialAlpha = 0.49),
            Single("DoReFaConv", 1, 1, o => o.PerChannelWeights = true),
            Single("LSQConv", 8, 4, o => o.QuantizeInput = false),
        ];

        Assert.Equal(12, policies.Length);
        using var scope = NewDisposeScope();
        foreach (QuantPolicy policy in policies)
        {
            // What the policy accepts, the layer can build.
            Sequential model = SmallModel(7);
            Assert.Equal(1, model.Quantize(policy).Count(QuantDecision.Quantized));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Non-finite data in the first training batch.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary><c>body.conv</c> (Conv2d(3, 4, 3)), <c>body.relu</c>, <c>flatten</c>, <c>fc</c> (Linear(64, 3)).</summary>
    private static Sequential NestedModel()
    {
        manual_seed(8);
        return nn.Sequential(
            ("body", nn.Sequential(("conv", nn.Conv2d(3, 4, 3)), ("relu", nn.ReLU()))),
            ("flatten", nn.Flatten()),
            ("fc", nn.Linear(64, 3)));
    }

    private static Tensor ImagesWith(double bad)
    {
        Tensor x = Images(40, 2);
        x[1, 2, 3, 4] = tensor((float)bad);
        return x;
    }

    [Theory]
    [MemberData(nameof(FamilyNames))]
    public void NaN_in_the_first_training_batch_names_the_linear_input_quantizers_path(string family)
    {
        using var scope = NewDisposeScope();
        Sequential model = NestedModel();
        // Only the linear layer is quantized: the NaN passes the float conv and reaches fc's input quantizer.
        model.Quantize(Single(Types(family).Linear, 4, 4));
        model.train();

        var e = Assert.Throws<QuantizerStateException>(() => model.call(ImagesWith(double.NaN)));

        Assert.Equal("fc.input_quantizer", e.Location);
        Assert.Contains("'fc.input_quantizer'", e.Message, StringComparison.Ordinal);
        Assert.Contains("NaN", e.Message, StringComparison.Ordinal);

        // Nothing was initialised from the bad batch; a finite one initialises the quantizer and the model evaluates.
        var quantizer = Assert.IsAssignableFrom<CalibratedQuantizer>(LayerAt(model, "fc").InputQuantizer);
        Assert.False(quantizer.IsInitialized);
        Tensor y = model.call(Images(41, 2));
        Assert.True(quantizer.IsInitialized);
        model.eval();
        TensorAssert.Finite(model.call(Images(42, 2)));
        Assert.NotNull(y);
    }

    [Theory]
    [MemberData(nameof(FamilyNames))]
    public void An_infinite_value_in_the_first_training_batch_names_the_nested_conv_input_quantizer(string family)
    {
        using var scope = NewDisposeScope();
        Sequential model = NestedModel();
        model.Quantize(Pair(family, 4, 4));
        model.train();

        var e = Assert.Throws<QuantizerStateException>(() => model.call(ImagesWith(double.PositiveInfinity)));

        Assert.Equal("body.conv.input_quantizer", e.Location);
        Assert.Contains("'body.conv.input_quantizer'", e.Message, StringComparison.Ordinal);
        Assert.False(Assert.IsAssignableFrom<CalibratedQuantizer>(LayerAt(model, "body.conv").InputQuantizer).IsInitialized);
    }

    [Theory]
    [MemberData(nameof(FamilyNames))]
    public void Evaluating_before_any_training_step_names_the_first_uninitialised_quantizer(string family)
    {
        using var scope = NewDisposeScope();
        Sequential model = NestedModel();
        model.Quantize(Pair(family, 4, 4));
        model.eval();

        var e = Assert.Throws<QuantizerStateException>(() => model.call(Images(43, 2)));

        Assert.Equal("body.conv.input_quantizer", e.Location);
        Assert.Contains("not initialised", e.Message, StringComparison.Ordinal);
    }
}
