using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Configuration.ConfigurationTestSupport;
using static QQuant.Tests.Quantizers.Properties.PropertySupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Properties;

/// <summary>
/// Each of the 14 layers quantizes a model through the fluent API and through configuration, by its name and by the
/// Python reference's alias; algorithm options bind by property name and by reference key; omitted bits take the
/// registration's defaults.
/// </summary>
public class PolicyConfigurationTests
{
    public static TheoryData<string> LayerNames() => [.. Layers.Keys];

    /// <summary>A policy section with one rule: <c>Conv2d</c> or <c>Linear</c> (as the layer converts) → <paramref name="entry"/>.</summary>
    private static string Json(string layer, string entry) =>
        $$"""
        { "quantTransformer": { "type": "QuantTransformer", "policy": { "{{(IsConv(layer) ? "Conv2d" : "Linear")}}": { {{entry}} } } } }
        """;

    private static string PathOf(string layer) => IsConv(layer) ? "conv" : "fc";

    /// <summary>Quantizes the small model with <paramref name="policy"/> and returns the layer that replaced the rule's module.</summary>
    private static QuantizedLayer QuantizeSmallModel(QuantPolicy policy, string layer)
    {
        Sequential model = SmallModel(5);
        QuantizationReport report = model.Quantize(policy);

        LayerDecision row = report.Layers.Single(l => l.Name == PathOf(layer));
        Assert.Equal(QuantDecision.Quantized, row.Decision);
        Assert.Equal(layer, row.NewType);
        Assert.Equal(1, report.Count(QuantDecision.Quantized));
        QuantizedLayer quantized = LayerAt(model, PathOf(layer));
        Assert.Equal(layer, quantized.GetName());
        return quantized;
    }

    [Theory]
    [MemberData(nameof(LayerNames))]
    public void Every_layer_quantizes_a_model_through_the_fluent_API(string layer)
    {
        using var scope = NewDisposeScope();
        QuantizedLayer quantized = QuantizeSmallModel(Single(layer, 3, 4), layer);

        Assert.Equal(3, quantized.WeightQuantizer.Bits);
        Assert.Equal(4, quantized.InputQuantizer.Bits);
        Assert.Equal(3, quantized.Settings.WeightBits);
        Assert.Equal(4, quantized.Settings.ActivationBits);
    }

    [Theory]
    [MemberData(nameof(LayerNames))]
    public void Every_layer_binds_from_json_by_its_name_to_the_fluent_policy(string layer)
    {
        using var scope = NewDisposeScope();
        QuantPolicy bound = Bind(Json(layer, $"\"type\": \"{layer}\", \"w\": 3, \"a\": 4"));

        Assert.Equal(Single(layer, 3, 4).Build(), bound);
        Assert.NotEqual(Single(layer, 4, 4).Build(), bound);
        QuantizedLayer quantized = QuantizeSmallModel(bound, layer);
        Assert.Equal(3, quantized.WeightQuantizer.Bits);
        Assert.Equal(4, quantized.InputQuantizer.Bits);
    }

    public static TheoryData<string, string> Aliases() => new()
    {
        { "LSQConv2d", nameof(LSQConv) },
        { "LSQPlusConv2d", nameof(LSQPlusConv) },
        { "DSQConvV2", nameof(DSQConv) },
        { "DRFConv", nameof(DoReFaConv) },
        { "DRFLinear", nameof(DoReFaLinear) },
        { "APOTQuantConv2d", nameof(APoTConv) },
        { "APOTQuantLinear", nameof(APoTLinear) },
    };

    [Theory]
    [MemberData(nameof(Aliases))]
    public void A_reference_alias_binds_to_the_same_policy_as_the_layer_name(string alias, string layer)
    {
        using var scope = NewDisposeScope();
        QuantPolicy bound = Bind(Json(layer, $"\"type\": \"{alias}\", \"num_bit_w\": 3, \"num_bit_a\": 4"));

        Assert.Equal(Single(layer, 3, 4).Build(), bound);
        Assert.Equal(Bind(Json(layer, $"\"type\": \"{layer}\", \"w\": 3, \"a\": 4")), bound);
        QuantizeSmallModel(bound, layer);
    }

    /// <summary>(layer or alias, the layer, the option's JSON, what it changes).</summary>
    public static TheoryData<string, string, string, string> OptionCases() => new()
    {
        { "LSQConv", "LSQConv", "\"scaleGradient\": false", "no gradient scaling" },
        { "LSQConv", "LSQConv", "\"scale_grad\": false", "no gradient scaling" },
        { "LSQLinear", "LSQLinear", "\"scale_grad\": false", "no gradient scaling" },
        { "LSQPlusConv", "LSQPlusConv", "\"scaleGradient\": false", "no gradient scaling" },
        { "LSQPlusLinear", "LSQPlusLinear", "\"learnOffset\": false", "no input offset" },
        { "LSQPlusLinear", "LSQPlusLinear", "\"add_offset\": false", "no input offset" },
        { "LSQPlusConv2d", "LSQPlusConv", "\"add_offset\": false", "no input offset" },
        { "DSQConv", "DSQConv", "\"initialAlpha\": 0.3", "alpha 0.3" },
        { "DSQLinear", "DSQLinear", "\"initial_alpha\": 0.3", "alpha 0.3" },
        { "PACTConv", "PACTConv", "\"initialClip\": 2.5", "clip 2.5" },
        { "PACTLinear", "PACTLinear", "\"initialClip\": 2.5", "clip 2.5" },
        { "APoTLinear", "APoTLinear", "\"initialClip\": 2.5", "clip 2.5" },
        { "UniformConv", "UniformConv", "\"initialClip\": 2.5", "clip 2.5" },
        { "APOTQuantConv2d", "APoTConv", "\"power\": false", "uniform grid" },
        { "APoTConv", "APoTConv", "\"powerOfTwo\": false", "uniform grid" },
        { "APOTQuantLinear", "APoTLinear", "\"power\": false", "uniform grid" },
        { "LSQConv", "LSQConv", "\"perChannelWeights\": true", "per-channel weights" },
        { "LSQConv2d", "LSQConv", "\"kernel_wise\": true", "per-channel weights" },
        { "LSQPlusLinear", "LSQPlusLinear", "\"kernel_wise\": true", "per-channel weights" },
        { "DoReFaConv", "DoReFaConv", "\"perChannelWeights\": true", "per-channel weights" },
        { "PACTLinear", "PACTLinear", "\"kernel_wise\": true", "per-channel weights" },
        { "APoTConv", "APoTConv", "\"kernel_wise\": true", "per-channel weights" },
        { "UniformLinear", "UniformLinear", "\"perChannelWeights\": true", "per-channel weights" },
        { "DRFLinear", "DoReFaLinear", "\"quant_activation\": false", "float input" },
        { "UniformLinear", "UniformLinear", "\"signed\": false", "unsigned input" },
        { "APoTConv", "APoTConv", "\"clippedWeightGradient\": \"Pass\"", "clipped weight gradient passes" },
        { "UniformLinear", "UniformLinear", "\"clippedWeightGradient\": \"pass\"", "clipped weight gradient passes" },
    };

    /// <summary>The fluent option change that the expectation describes.</summary>
    private static Action<QuantLayerOptions> Configure(string expectation) => expectation switch
    {
        "no gradient scaling" => o => ((LsqOptions)o).ScaleGradient = false,
        "no input offset" => o => ((LsqPlusOptions)o).LearnOffset = false,
        "alpha 0.3" => o => ((DsqOptions)o).InitialAlpha = 0.3,
        "clip 2.5" => o => ((ClipOptions)o).InitialClip = 2.5,
        "uniform grid" => o => ((APoTOptions)o).PowerOfTwo = false,
        "per-channel weights" => o => o.PerChannelWeights = true,
        "float input" => o => o.QuantizeInput = false,
        "unsigned input" => o => o.ActivationSign = ActivationSign.Unsigned,
        "clipped weight gradient passes" => o => ((UniformOptions)o).ClippedWeightGradient = ClippedWeightGradient.Pass,
        _ => throw new ArgumentException(expectation),
    };

    [Theory]
    [MemberData(nameof(OptionCases))]
    public void An_option_binds_by_its_name_or_reference_key_and_reaches_the_quantizers(
        string type, string layer, string option, string expectation)
    {
        using var scope = NewDisposeScope();
        QuantPolicy bound = Bind(Json(layer, $"\"type\": \"{type}\", \"w\": 4, \"a\": 4, {option}"));

        Assert.Equal(Single(layer, 4, 4, Configure(expectation)).Build(), bound);
        Assert.NotEqual(Single(layer, 4, 4).Build(), bound);
        QuantizedLayer quantized = QuantizeSmallModel(bound, layer);
        AssertBuilt(quantized, expectation, changed: true);

        // The same layer with default options does not have the property, so the check above can fail.
        QuantizedLayer defaults = QuantizeSmallModel(Single(layer, 4, 4), layer);
        AssertBuilt(defaults, expectation, changed: false);
    }

    /// <summary>Whether the quantizers of <paramref name="layer"/> show the option (or its default when not changed).</summary>
    private static void AssertBuilt(QuantizedLayer layer, string expectation, bool changed)
    {
        IQuantizer weight = layer.WeightQuantizer, input = layer.InputQuantizer;
        switch (expectation)
        {
            case "no gradient scaling":
                Assert.Equal(!changed, weight is LsqQuantizer w ? w.ScalesGradient : ((LsqPlusQuantizer)weight).ScalesGradient);
                Assert.Equal(!changed, input is LsqQuantizer i ? i.ScalesGradient : ((LsqPlusQuantizer)input).ScalesGradient);
                break;
            case "no input offset":
                Assert.Equal(changed, Assert.IsType<LsqPlusQuantizer>(input).Offset is null);
                Assert.Null(Assert.IsType<LsqPlusQuantizer>(weight).Offset);
                break;
            case "clipped weight gradient passes":
                // At 4 bits only the option passes the gradient of clipped weights.
                Assert.Equal(changed, Assert.IsType<APoTQuantizer>(weight).PassesClippedGradient);
                break;
            case "alpha 0.3":
                // The default is 0.2; both quantizers start at the option (float32 state).
                Assert.Equal(changed ? 0.3f : 0.2f, Assert.IsType<DsqQuantizer>(input).Alpha.item<float>());
                Assert.Equal(changed ? 0.3f : 0.2f, Assert.IsType<DsqQuantizer>(weight).Alpha.item<float>());
                break;
            case "clip 2.5":
            {
                // The input's clip starts at 2.5; by default it starts at 1 and is taken from the first batch.
                Tensor alpha = input is PactQuantizer p ? p.Alpha : Assert.IsType<APoTQuantizer>(input).Alpha;
                Assert.Equal(changed ? 2.5f : 1f, alpha.item<float>());
                break;
            }

            case "uniform grid":
                Assert.Equal(changed ? APoTGrid.Uniform : APoTGrid.PowerOfTwo, Assert.IsType<APoTQuantizer>(weight).Grid);
                Assert.Equal(changed ? APoTGrid.Uniform : APoTGrid.PowerOfTwo, Assert.IsType<APoTQuantizer>(input).Grid);
                break;
            case "per-channel weights":
            {
                var calibrated = Assert.IsAssignableFrom<CalibratedQuantizer>(weight);
                Assert.Equal(changed, calibrated.PerChannel);
                long outChannels = layer is QuantizedConv2d conv ? conv.OutChannels : ((QuantizedLinear)layer).OutFeatures;
                Tensor? state = calibrated switch
                {
                    LsqQuantizer lsq => lsq.Step,
                    LsqPlusQuantizer plus => plus.Step,
                    APoTQuantizer apot => apot.Alpha,
                    _ => null,
                };
                if (state is not null)
                {
                    Assert.Equal(changed ? outChannels : 1, state.numel());
                }

                break;
            }

            case "float input":
                Assert.Equal(changed, input is IdentityQuantizer);
                break;
            case "unsigned input":
                Assert.Equal(changed ? ActivationSign.Unsigned : ActivationSign.Auto, Assert.IsType<APoTQuantizer>(input).Sign);
                break;
            default:
                throw new ArgumentException(expectation);
        }
    }

    /// <summary>(layer or alias, the layer, the bits its registration gives when the entry has no w and a).</summary>
    public static IEnumerable<TheoryDataRow<string, string, int>> DefaultBits() =>
    [
        new("LSQConv", "LSQConv", 4),
        new("LSQLinear", "LSQLinear", 8),
        new("LSQPlusConv", "LSQPlusConv", 4),
        new("LSQPlusLinear", "LSQPlusLinear", 8),
        new("DSQConv", "DSQConv", 8),
        new("DSQLinear", "DSQLinear", 4),
        new("DoReFaConv", "DoReFaConv", 4),
        new("DoReFaLinear", "DoReFaLinear", 8),
        new("PACTConv", "PACTConv", 4),
        new("PACTLinear", "PACTLinear", 8),
        new("APoTConv", "APoTConv", 5),
        new("APoTLinear", "APoTLinear", 5),
        new("UniformConv", "UniformConv", 5),
        new("UniformLinear", "UniformLinear", 8),
        new("LSQConv2d", "LSQConv", 4),
        new("LSQPlusConv2d", "LSQPlusConv", 4),
        new("DSQConvV2", "DSQConv", 8),
        new("DRFConv", "DoReFaConv", 4),
        new("DRFLinear", "DoReFaLinear", 8),
        new("APOTQuantConv2d", "APoTConv", 5),
        new("APOTQuantLinear", "APoTLinear", 5),
    ];

    [Theory]
    [MemberData(nameof(DefaultBits))]
    public void Omitted_bits_take_the_registrations_defaults(string type, string layer, int bits)
    {
        using var scope = NewDisposeScope();
        QuantPolicy bound = Bind(Json(layer, $"\"type\": \"{type}\""));

        Assert.Equal(Single(layer, bits, bits).Build(), bound);
        QuantLayerSettings settings = Assert.Single(bound.TypeRules).Target.Settings!;
        Assert.Equal((bits, bits), (settings.WeightBits, settings.ActivationBits));

        // Giving only one of them keeps the other's default.
        QuantPolicy onlyW = Bind(Json(layer, $"\"type\": \"{type}\", \"w\": 3"));
        Assert.Equal(Single(layer, 3, bits).Build(), onlyW);
    }
}
