using QQuant.Quantizers;
using TorchSharp.Modules;

namespace QQuant.Tests.Policy;

/// <summary>Every line of the precedence documented on <see cref="QuantPolicy"/>, each against its neighbour below.</summary>
public sealed class PrecedenceTests
{
    [Fact]
    public void ExactOverrideBeatsExactExcept()
    {
        QuantPolicy policy = QuantPolicy.Create()
            .Except("neck.conv")
            .Override("neck.conv", r => r.Use<EightBitConv>(w: 4, a: 4));

        LayerDecision row = TestModels.Classifier().PlanQuantization(policy).Row("neck.conv");

        Assert.Equal((QuantDecision.Quantized, "Override(\"neck.conv\")", 4), (row.Decision, row.Rule, row.WeightBits));
    }

    [Fact]
    public void ExactExceptBeatsPatternOverride()
    {
        QuantPolicy policy = QuantPolicy.Create()
            .Override("backbone.layer1.*.conv", r => r.Use<EightBitConv>(4, 4))
            .Except("backbone.layer1.0.conv");

        QuantizationReport report = TestModels.Classifier().PlanQuantization(policy);

        Assert.Equal(QuantDecision.Excepted, report.Row("backbone.layer1.0.conv").Decision);
        Assert.Equal(QuantDecision.Quantized, report.Row("backbone.layer1.1.conv").Decision);
    }

    [Fact]
    public void PatternOverrideBeatsPatternExcept()
    {
        QuantPolicy policy = QuantPolicy.Create()
            .Override("backbone.layer1.*.conv", r => r.Use<EightBitConv>(4, 4))
            .Except("backbone.**");

        QuantizationReport report = TestModels.Classifier().PlanQuantization(policy);

        Assert.Equal(QuantDecision.Quantized, report.Row("backbone.layer1.1.conv").Decision);
        Assert.Equal(("Except(\"backbone.**\")", QuantDecision.Excepted),
            (report.Row("backbone.conv1").Rule, report.Row("backbone.conv1").Decision));
    }

    [Fact]
    public void PatternExceptBeatsTypeRule()
    {
        QuantPolicy policy = QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4).Except("neck.**");

        QuantizationReport report = TestModels.Classifier().PlanQuantization(policy);

        Assert.Equal(QuantDecision.Excepted, report.Row("neck.conv").Decision);
        Assert.Equal(("For<Conv2d>()", QuantDecision.Quantized),
            (report.Row("backbone.conv1").Rule, report.Row("backbone.conv1").Decision));
    }

    [Fact]
    public void TypeRuleBeatsNoRule()
    {
        QuantizationReport report = TestModels.Classifier().PlanQuantization(QuantPolicy.For<Linear>().Use<EightBitLinear>(8, 8));

        Assert.Equal(QuantDecision.Quantized, report.Row("head.fc").Decision);
        Assert.Equal((QuantDecision.NoRule, null), (report.Row("backbone.conv1").Decision, report.Row("backbone.conv1").Rule));
        Assert.Equal(QuantDecision.NoRule, report.Row("backbone.bn1").Decision);
    }

    [Fact]
    public void MostDerivedTypeRuleWinsWhateverTheOrder()
    {
        QuantPolicy policy = QuantPolicy.For<Conv1d>().KeepFloat().For<Convolution>().Use<EightBitConv>(4, 4);

        QuantizationReport report = TestModels.Classifier(withConv1d: true).PlanQuantization(policy);

        Assert.Equal(("For<Convolution>()", QuantDecision.Quantized),
            (report.Row("backbone.conv1").Rule, report.Row("backbone.conv1").Decision));
        Assert.Equal(("For<Conv1d>()", QuantDecision.KeptFloat),
            (report.Row("extra.conv1d").Rule, report.Row("extra.conv1d").Decision));
    }

    [Fact]
    public void BaseTypeRuleCoveringATypeItsLayerCannotConvertIsAnError()
    {
        QuantPolicy policy = QuantPolicy.For<Convolution>().Use<EightBitConv>(4, 4);

        var error = Assert.Throws<QuantizationException>(() => TestModels.Classifier(withConv1d: true).PlanQuantization(policy));

        string problem = Assert.Single(error.Problems);
        Assert.Contains("'extra.conv1d' (Conv1d)", problem);
        Assert.Contains("EightBitConv, which converts Conv2d", problem);
    }

    [Fact]
    public void LaterRuleWinsAtTheSameLevel()
    {
        QuantPolicy policy = QuantPolicy.For<Conv2d>().Use<EightBitConv>(8, 8)
            .Override("backbone.layer1.*.conv", r => r.Use<EightBitConv>(6, 6))
            .Override("backbone.layer1.1.*", r => r.Use<EightBitConv>(3, 3))
            .For<Conv2d>().Use<EightBitConv>(4, 4);

        QuantizationReport report = TestModels.Classifier().PlanQuantization(policy);

        Assert.Equal(4, report.Row("neck.conv").WeightBits);
        Assert.Equal(6, report.Row("backbone.layer1.0.conv").WeightBits);
        Assert.Equal(3, report.Row("backbone.layer1.1.conv").WeightBits);
    }

    [Fact]
    public void PatternOverridePassesOverModulesItsLayerCannotConvert()
    {
        QuantPolicy policy = QuantPolicy.Create().Override("backbone.layer1.**", r => r.Use<EightBitConv>(4, 4));

        QuantizationReport report = TestModels.Classifier().PlanQuantization(policy);

        Assert.Equal(QuantDecision.Quantized, report.Row("backbone.layer1.0.conv").Decision);
        Assert.Equal(QuantDecision.NoRule, report.Row("backbone.layer1.0.bn").Decision);
    }

    [Fact]
    public void ExactOverrideWithALayerThatCannotConvertTheModuleIsAnError()
    {
        QuantPolicy policy = QuantPolicy.Create().Override("backbone.bn1", r => r.Use<EightBitConv>(4, 4));

        var error = Assert.Throws<QuantizationException>(() => TestModels.Classifier().PlanQuantization(policy));

        Assert.Contains("'backbone.bn1' (BatchNorm2d): Override(\"backbone.bn1\") asks for EightBitConv", error.Message);
    }

    [Theory]
    [InlineData(32, 32, QuantDecision.KeptFloat)]
    [InlineData(32, 8, QuantDecision.Quantized)]
    [InlineData(8, 32, QuantDecision.Quantized)]
    public void BothTensorsFloatKeepsTheModuleFloat(int w, int a, QuantDecision expected)
    {
        QuantizationReport report = TestModels.Classifier().PlanQuantization(QuantPolicy.For<Conv2d>().Use<EightBitConv>(w, a));

        Assert.Equal(expected, report.Row("neck.conv").Decision);
    }

    [Fact]
    public void OverrideKeepFloatBeatsTheTypeRule()
    {
        QuantPolicy policy = QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4).Override("neck.conv", r => r.KeepFloat());

        LayerDecision row = TestModels.Classifier().PlanQuantization(policy).Row("neck.conv");

        Assert.Equal((QuantDecision.KeptFloat, "Override(\"neck.conv\")", null), (row.Decision, row.Rule, row.NewType));
    }
}
