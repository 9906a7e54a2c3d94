namespace QQuant.Tests.Policy;

public sealed class NamePatternTests
{
    [Theory]
    [InlineData("backbone.conv1", "backbone.conv1", true)]
    [InlineData("backbone.conv1", "backbone.conv10", false)]
    [InlineData("backbone.*.conv", "backbone.layer1.conv", true)]
    [InlineData("backbone.*.conv", "backbone.layer1.0.conv", false)]
    [InlineData("backbone.**.conv", "backbone.conv", true)]
    [InlineData("backbone.**.conv", "backbone.layer1.0.conv", true)]
    [InlineData("neck.**", "neck.conv", true)]
    [InlineData("neck.**", "neck.a.b.c", true)]
    [InlineData("neck.**", "necktie.conv", false)]
    [InlineData("layer*.0.conv*", "layer3.0.conv2", true)]
    [InlineData("layer*.0.conv*", "layer3.1.conv2", false)]
    [InlineData("**", "anything.at.all", true)]
    [InlineData("*", "two.segments", false)]
    public void MatchesBySegment(string pattern, string path, bool expected)
    {
        NamePattern parsed = NamePattern.TryParse(pattern, out _)!;

        Assert.Equal(expected, parsed.Matches(path));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("a..b", "empty segment")]
    [InlineData(".a", "empty segment")]
    [InlineData("a.b**", "whole segment")]
    [InlineData("a b", "white space")]
    public void RejectsMalformedPatterns(string pattern, string reason)
    {
        Assert.Null(NamePattern.TryParse(pattern, out string? problem));
        Assert.Contains(reason, problem);
    }

    [Fact]
    public void MalformedPatternFailsAtBuildNamingTheRule()
    {
        var error = Assert.Throws<QuantPolicyException>(() => QuantPolicy.Create().Except("neck..conv").Build());

        Assert.Contains("Except(\"neck..conv\")", error.Message);
    }
}
