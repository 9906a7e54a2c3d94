using System.Xml;
using System.Xml.Linq;
using QQuant.Analysis;

namespace QQuant.Tests.Analysis;

public sealed class AnalysisHtmlTests
{
    private static XDocument Parse(string html)
    {
        using var reader = XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        return XDocument.Load(reader);
    }

    [Fact]
    public void The_page_is_well_formed_and_lists_every_quantized_layer_in_its_table_and_its_distributions()
    {
        AnalysisReport report = AnalysisJsonTests.SmallReport();

        XDocument page = Parse(AnalysisHtml.Render(report));

        XElement layerTable = page.Descendants("table").First();
        Assert.Equal(["0", "3"], layerTable.Elements("tr").Skip(1).Select(r => r.Elements("td").ElementAt(1).Value));
        Assert.Equal(["1. 0 (LSQConv, 4/4 bits)", "2. 3 (LSQLinear, 4/4 bits)"], page.Descendants("summary").Select(s => s.Value));
        // Eight similarity charts (weight and input, four metrics) and two distributions per layer.
        Assert.Equal(8 + 2 * 2, page.Descendants("svg").Count());
    }

    [Fact]
    public void The_page_fetches_nothing()
    {
        string html = AnalysisHtml.Render(AnalysisJsonTests.SmallReport());

        foreach (string forbidden in new[] { "http:", "https:", "<script", "<link", "<img", "@import", "url(", "src=", "href=" })
        {
            Assert.DoesNotContain(forbidden, html, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Only_void_elements_are_self_closed()
    {
        string html = AnalysisHtml.Render(AnalysisJsonTests.SmallReport());

        Assert.Contains("<meta charset=\"utf-8\" />", html, StringComparison.Ordinal);
        // The sensitivity table has empty cells; the first conv's input has no float-vs-latent difference.
        Assert.Contains("<td></td>", html, StringComparison.Ordinal);
        Assert.Equal(1, html.Split(" />").Length - 1);
    }

    [Fact]
    public void The_sensitivity_table_ranks_every_layer_under_the_two_whole_models()
    {
        AnalysisReport report = AnalysisJsonTests.SmallReport();

        XDocument page = Parse(AnalysisHtml.Render(report));

        XElement table = page.Descendants("table").ElementAt(1);
        string[] names = [.. table.Elements("tr").Skip(1).Select(r => r.Elements("td").ElementAt(1).Value)];
        Assert.Equal(["float model", "quantized model", .. report.Sensitivity!.Layers.Select(l => l.Name)], names);
        Assert.Single(page.Descendants("table"), t => t == table);
    }

    [Fact]
    public void Save_writes_the_page_and_its_json_next_to_it()
    {
        using var folder = new TemporaryFolder("qquant-analysis-");
        AnalysisReport report = AnalysisJsonTests.SmallReport(withSensitivity: false);
        string html = Path.Combine(folder.Path, "model_analysis.html");

        string json = AnalysisHtml.Save(report, html);

        Assert.Equal(Path.Combine(folder.Path, "model_analysis.json"), json);
        Assert.Equal(AnalysisHtml.Render(report), File.ReadAllText(html));
        Assert.Equal(AnalysisJson.Write(report), AnalysisJson.Write(AnalysisJson.Read(File.ReadAllText(json))));
        Assert.Single(Parse(File.ReadAllText(html)).Descendants("table"));
    }
}
