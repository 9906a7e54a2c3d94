using QQuant.Quantizers;
using TorchSharp.Modules;

namespace QQuant.Tests.Policy;

public sealed class PolicyBuildTests
{
    [Theory]
    [InlineData(0, 8, "weight bits 0")]
    [InlineData(9, 8, "weight bits 9")]
    [InlineData(8, 16, "activation bits 16")]
    [InlineData(8, -1, "activation bits -1")]
    public void BitsOutsideOneToEightAndThirtyTwoFailAtBuildNamingTheRule(int w, int a, string expected)
    {
        var error = Assert.Throws<QuantPolicyException>(() => QuantPolicy.For<Conv2d>().Use<EightBitConv>(w, a).Build());

        Assert.Contains($"For<Conv2d>(): {expected} are outside 1..8", error.Message);
    }

    [Fact]
    public void OverrideBitsAreCheckedAtBuildToo()
    {
        var error = Assert.Throws<QuantPolicyException>(() =>
            QuantPolicy.Create().Override("head.fc", r => r.Use<EightBitLinear>(8, 33)).Build());

        Assert.Contains("Override(\"head.fc\"): activation bits 33", error.Message);
    }

    [Fact]
    public void TypeRulePairingIncompatibleTypesFailsAtBuild()
    {
        var error = Assert.Throws<QuantPolicyException>(() => QuantPolicy.For<BatchNorm2d>().Use<EightBitConv>(4, 4).Build());

        Assert.Contains("For<BatchNorm2d>(): EightBitConv converts Conv2d, not BatchNorm2d", error.Message);
    }

    [Fact]
    public void EveryProblemIsReportedAtOnce()
    {
        var error = Assert.Throws<QuantPolicyException>(() =>
            QuantPolicy.For<Linear>().Use<EightBitConv>(9, 8).Except("").Build());

        Assert.Equal(3, error.Problems.Count);
    }

    [Fact]
    public void BuilderConvertsImplicitly()
    {
        QuantPolicy policy = QuantPolicy.For<Conv2d>().Use<EightBitConv>(8, 8);

        Assert.Single(policy.TypeRules);
    }

    [Fact]
    public void PoliciesWithTheSameRulesAreEqual()
    {
        QuantPolicy a = QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4).For<Linear>().Use<EightBitLinear>(8, 8)
            .Override("head.fc", r => r.Use<EightBitLinear>(8, 8, o => o.QuantizeInput = false)).Except("neck.**", "x");
        QuantPolicy b = QuantPolicy.For<Linear>().Use<EightBitLinear>(8, 8).Except("x", "neck.**")
            .Override("head.fc", r => r.Use<EightBitLinear>(8, 8, o => o.QuantizeInput = false))
            .For<Conv2d>().Use<EightBitConv>(4, 4);
        QuantPolicy differentOption = QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4).For<Linear>().Use<EightBitLinear>(8, 8)
            .Override("head.fc", r => r.Use<EightBitLinear>(8, 8)).Except("neck.**", "x");

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, differentOption);
    }

    [Fact]
    public void ToStringListsTheRulesInPrecedenceOrder()
    {
        QuantPolicy policy = QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4).Except("neck.**")
            .Override("head.fc", r => r.Use<EightBitLinear>(8, 8, o => o.QuantizeInput = false));

        Assert.Equal(
            string.Join(Environment.NewLine,
                "Override(\"head.fc\") -> EightBitLinear(w: 8, a: 8, quantizeInput: false)",
                "Except(\"neck.**\")",
                "For<Conv2d>() -> EightBitConv(w: 4, a: 4)"),
            policy.ToString());
    }
}
