using System.Collections.ObjectModel;
using QQuant.Quantizers;
using QQuant.Tests.Configuration;
using QQuant.Tests.Policy;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Rewriting;

/// <summary>Edge cases found in review: each once broke all-or-nothing, registration, or ownership of tensors.</summary>
public sealed class RewriteRobustnessTests
{
    [Fact]
    public void QuantizingTwiceWithAPatternOverrideChangesNothing()
    {
        QuantPolicy policy = QuantPolicy.For<Linear>().Use<EightBitLinear>(8, 8).Override("backbone.**", r => r.Use<EightBitConv>(4, 4));
        Sequential model = TestModels.Classifier();
        model.Quantize(policy);
        nn.Module[] first = model.modules().ToArray();

        QuantizationReport again = model.Quantize(policy);

        Assert.Equal(first, model.modules().ToArray());
        Assert.Equal(0, again.Count(QuantDecision.Quantized));
    }

    [Fact]
    public void ReadOnlyListIsAnErrorAndNothingChanges()
    {
        var model = new ReadOnlyListNet();

        var error = Assert.Throws<QuantizationException>(() => model.Quantize(QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4)));

        Assert.Contains("ReadOnlyListNet.layers[0] is an element of a read-only list", error.Message);
        Assert.IsType<Conv2d>(ContainerTests.Module(model, "first"));
    }

    [Fact]
    public void ModuleListChangedAfterRegistrationIsAnError()
    {
        var model = new ListNet<nn.Module<Tensor, Tensor>>(nn.Conv2d(2, 2, 1));
        var list = (ModuleList<nn.Module<Tensor, Tensor>>)ContainerTests.Module(model, "blocks");
        list.Insert(0, nn.Identity());

        var error = Assert.Throws<QuantizationException>(() => model.Quantize(QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4)));

        Assert.Contains("no longer holds it at index 0", error.Message);
        Assert.IsType<Identity>(list[0]);
        Assert.IsType<Conv2d>(list[1]);
    }

    [Fact]
    public void QuantizerStateSurvivesTheCallersDisposeScopeAndFollowsTheModelsDtype()
    {
        Sequential model = TestModels.Classifier();
        model.to(float64);

        using (NewDisposeScope())
        {
            model.Quantize(QuantPolicy.For<Conv2d>().Use<MyQuantConv>(4, 4));
        }

        var conv = (MyQuantConv)ContainerTests.Module(model, "neck.conv");
        Parameter scale = ((LearnableScaleQuantizer)conv.WeightQuantizer).Scale;
        Assert.False(scale.IsInvalid);
        Assert.Equal(float64, scale.dtype);
        Assert.Contains("neck.conv.weight_quantizer.scale", model.state_dict().Keys);
        using Tensor y = model.call(torch.randn(1, 3, 4, 4, dtype: float64));
        Assert.Equal(float64, y.dtype);
    }

    [Fact]
    public void LayerThatReliesOnRegistrationHasItsParametersRegistered()
    {
        var model = nn.Sequential(("fc", nn.Linear(3, 2)));

        model.Quantize(QuantPolicy.For<Linear>().Use<FieldOnlyLinear>(8, 8));

        Assert.Equal(["fc.weight"], model.named_parameters().Select(p => p.name));
    }

    [Fact]
    public void SharedInstanceLeftFloatUnderBothNamesIsNoConflict()
    {
        var model = new SharedNet();

        QuantizationReport report = model.Quantize(QuantPolicy.Create().Except("a"));

        Assert.Equal([QuantDecision.Excepted, QuantDecision.NoRule], report.Layers.Select(l => l.Decision));
    }

    [Fact]
    public void RepeatedNamesInASequentialDoNotCrashThePlanner()
    {
        var model = nn.Sequential(("x", nn.Conv2d(2, 2, 1)), ("x", nn.Conv2d(2, 2, 1)));

        QuantizationReport report = model.Quantize(QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4));

        Assert.Equal(2, report.Count(QuantDecision.Quantized));
        Assert.All(model.children(), c => Assert.IsType<QuantizedConv2d>(c));
    }

    [Fact]
    public void BuiltPolicyCannotBeChangedThroughItsOptions()
    {
        QuantPolicy policy = QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4);
        QuantPolicy same = QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4);

        policy.TypeRules[0].Target.Settings!.Options.QuantizeInput = false;

        Assert.True(policy.TypeRules[0].Target.Settings!.Options.QuantizeInput);
        Assert.Equal(same, policy);
    }

    private sealed class ReadOnlyListNet : nn.Module<Tensor, Tensor>
    {
        private readonly ReadOnlyCollection<nn.Module<Tensor, Tensor>> layers;

        public ReadOnlyListNet() : base(nameof(ReadOnlyListNet))
        {
            layers = new([nn.Conv2d(2, 2, 1)]);
            register_module("first", layers[0]);
        }

        public override Tensor forward(Tensor input) => layers[0].call(input);
    }
}

/// <summary>A quantized linear layer written from scratch that keeps its state in fields and never registers it.</summary>
internal sealed class FieldOnlyLinear : nn.Module<Tensor, Tensor>, IQuantizedLayer<FieldOnlyLinear>
{
    private readonly Parameter weight;
    private readonly IdentityQuantizer weight_quantizer = new();
    private readonly IdentityQuantizer input_quantizer = new();

    private FieldOnlyLinear(Linear source, QuantLayerSettings settings) : base(nameof(FieldOnlyLinear))
    {
        weight = new Parameter(source.weight.detach().clone());
        Settings = settings;
    }

    public static IReadOnlyList<Type> ConvertsFrom { get; } = [typeof(Linear)];

    public IQuantizer WeightQuantizer => weight_quantizer;

    public IQuantizer InputQuantizer => input_quantizer;

    public QuantLayerSettings Settings { get; }

    public static FieldOnlyLinear FromFloat(nn.Module<Tensor, Tensor> source, QuantLayerSettings settings) => new((Linear)source, settings);

    public Tensor QuantizedWeight() => weight.detach().clone();

    public override Tensor forward(Tensor input) => nn.functional.linear(input, weight);
}
