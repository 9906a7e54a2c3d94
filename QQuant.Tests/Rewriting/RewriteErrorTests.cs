using QQuant.Quantizers;
using QQuant.Tests.Policy;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Rewriting;

/// <summary>Every problem is found before anything changes, and the message says what to do.</summary>
public sealed class RewriteErrorTests
{
    private static readonly QuantPolicy Convs = QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4);

    [Fact]
    public void UnknownExactNameListsTheThreeNearestNames()
    {
        var error = Assert.Throws<QuantizationException>(() =>
            TestModels.Classifier().Quantize(QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4).Except("backbone.conv2")));

        Assert.Contains("Except(\"backbone.conv2\"): no module is named 'backbone.conv2'; "
                        + "nearest: 'backbone.conv1', 'backbone.bn1', 'backbone.relu'", error.Message);
    }

    [Fact]
    public void OverrideNamingAContainerListsTheLeavesInsideIt()
    {
        var error = Assert.Throws<QuantizationException>(() =>
            TestModels.Classifier().PlanQuantization(QuantPolicy.Create().Override("backbone.layer1.0", r => r.Use<EightBitConv>(4, 4))));

        Assert.Contains("'backbone.layer1.0' is a container (Sequential)", error.Message);
        Assert.Contains("backbone.layer1.0.conv, backbone.layer1.0.bn", error.Message);
        Assert.Contains("'backbone.layer1.0.**'", error.Message);
    }

    [Fact]
    public void PatternMatchingNothingIsAnErrorUnlessAllowed()
    {
        QuantPolicyBuilder policy = QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4).Except("nek.**");

        var error = Assert.Throws<QuantizationException>(() => TestModels.Classifier().PlanQuantization(policy));
        Assert.Contains("Except(\"nek.**\"): the pattern matches no leaf module", error.Message);

        QuantizationReport report = TestModels.Classifier().PlanQuantization(policy.AllowUnmatched());
        Assert.Equal(0, report.Count(QuantDecision.Excepted));
    }

    [Fact]
    public void PatternOverrideWhoseLayerConvertsNoneOfItsMatchesIsAnError()
    {
        var error = Assert.Throws<QuantizationException>(() =>
            TestModels.Classifier().PlanQuantization(QuantPolicy.Create().Override("head.*", r => r.Use<EightBitConv>(4, 4))));

        Assert.Contains("the pattern matches 3 leaves, but EightBitConv converts Conv2d and none of them is one", error.Message);
    }

    [Fact]
    public void SealedFieldTypeIsAnErrorNamingClassFieldAndFix()
    {
        var error = Assert.Throws<QuantizationException>(() => new SealedFieldNet().Quantize(Convs));

        Assert.Contains("'conv': SealedFieldNet.conv holds Conv2d, which cannot hold QuantizedConv2d", error.Message);
        Assert.Contains("declare the field Module<Tensor, Tensor>", error.Message);
    }

    [Fact]
    public void ModuleListOfASealedTypeIsAnErrorNamingTheFix()
    {
        var model = new ListNet<Conv2d>(nn.Conv2d(2, 2, 1));

        var error = Assert.Throws<QuantizationException>(() => model.Quantize(Convs));

        Assert.Contains("ModuleList<Conv2d>[0] holds Conv2d", error.Message);
        Assert.Contains("declare it ModuleList<Module<Tensor, Tensor>>", error.Message);
    }

    [Fact]
    public void ChildKeptInNoFieldIsAnError()
    {
        var error = Assert.Throws<QuantizationException>(() => new HiddenChildNet().Quantize(Convs));

        Assert.Contains("its parent HiddenChildNet keeps it in no field", error.Message);
    }

    [Fact]
    public void NothingChangesWhenAnyPartFails()
    {
        var model = nn.Sequential(("good", new FieldNet()), ("bad", new SealedFieldNet()), ("plain", nn.Conv2d(2, 2, 1)));

        Assert.Throws<QuantizationException>(() => model.Quantize(Convs));

        Assert.Equal(typeof(Conv2d), model.TypeAt("good.conv"));
        Assert.Equal(typeof(Conv2d), model.TypeAt("plain"));
    }

    [Fact]
    public void EveryProblemIsListedAtOnce()
    {
        var model = nn.Sequential(("bad", new SealedFieldNet()), ("hidden", new HiddenChildNet()));

        var error = Assert.Throws<QuantizationException>(() => model.Quantize(QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4).Except("missing")));

        Assert.Equal(3, error.Problems.Count);
        Assert.IsAssignableFrom<QQuantException>(error);
    }
}
