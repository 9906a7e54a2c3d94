using System.Text.Json;
using QQuant.Quantizers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Reporting;

public sealed class QuantizationReportTests
{
    private static QuantizationReport Report() =>
        nn.Sequential(("conv", nn.Conv2d(1, 1, 1)), ("relu", nn.ReLU()))
            .PlanQuantization(QuantPolicy.For<Conv2d>().Use<EightBitConv>(8, 8));

    [Fact]
    public void ToStringIsAnAlignedTableWithASummary()
    {
        Assert.Equal(
            string.Join(Environment.NewLine,
                "name  type    decision   rule           new type      w  a  input q",
                "conv  Conv2d  quantized  For<Conv2d>()  EightBitConv  8  8  yes",
                "relu  ReLU    no rule    -              -             -  -  -",
                "1 quantized, 0 kept float, 0 excepted, 0 already quantized, 1 without a rule, of 2 leaves (dry run: nothing changed)"),
            Report().ToString());
    }

    [Fact]
    public void ToMarkdownIsATable()
    {
        string[] lines = Report().ToMarkdown().Split(Environment.NewLine);

        Assert.Equal("| name | type | decision | rule | new type | w | a | input q |", lines[0]);
        Assert.Equal("|---|---|---|---|---|---|---|---|", lines[1]);
        Assert.Equal("| conv | Conv2d | quantized | For<Conv2d>() | EightBitConv | 8 | 8 | yes |", lines[2]);
    }

    [Fact]
    public void ToJsonHasOneObjectPerLeaf()
    {
        using JsonDocument json = JsonDocument.Parse(Report().ToJson());

        JsonElement conv = json.RootElement.GetProperty("layers")[0];
        Assert.False(json.RootElement.GetProperty("applied").GetBoolean());
        Assert.Equal("conv", conv.GetProperty("name").GetString());
        Assert.Equal("quantized", conv.GetProperty("decision").GetString());
        Assert.Equal(8, conv.GetProperty("weightBits").GetInt32());
        Assert.True(conv.GetProperty("inputQuantized").GetBoolean());
        Assert.Equal("noRule", json.RootElement.GetProperty("layers")[1].GetProperty("decision").GetString());
    }
}
