using System.Globalization;
using System.Text;
using System.Xml.Linq;

namespace QQuant.Analysis;

/// <summary>
/// The analysis report as one self-contained HTML page: a summary, the layer table, the sensitivity table, similarity
/// charts over the layers and each layer's distributions, all charts inline SVG; no script, no stylesheet or font
/// fetched, no URL. The page is also well-formed XML.
/// </summary>
public static class AnalysisHtml
{
    private const string FloatColour = "#1f77b4", LatentColour = "#ff7f0e", QuantizedColour = "#2ca02c";
    private const int DistributionPoints = 200;
    private static readonly HashSet<string> VoidElements = ["meta", "br", "hr", "img", "col", "link", "input"];

    /// <summary>
    /// Writes the page to <paramref name="htmlPath"/> and the report's JSON (<see cref="AnalysisJson"/>) next to it,
    /// as <c>&lt;htmlPath without .html&gt;.json</c>: both or neither (<see cref="AtomicFile.WriteAll"/>).
    /// </summary>
    /// <returns>The JSON file's path.</returns>
    public static string Save(AnalysisReport report, string htmlPath)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrWhiteSpace(htmlPath);
        string full = Path.GetFullPath(htmlPath);
        string jsonPath = Path.ChangeExtension(full, ".json");
        string html = Render(report);
        string json = AnalysisJson.Write(report);
        AtomicFile.WriteAll([(full, s => s.Write(Encoding.UTF8.GetBytes(html))), (jsonPath, s => s.Write(Encoding.UTF8.GetBytes(json)))]);
        return jsonPath;
    }

    /// <summary>The page's text.</summary>
    public static string Render(AnalysisReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        ModelAnalysisResult c = report.Comparison;
        var body = new XElement("body",
            new XElement("h1", "QQuant model analysis"),
            new XElement("p", new XAttribute("class", "meta"),
                $"Float: {report.FloatModel} · quantized: {report.QuantizedModel} · inputs: {report.Inputs} · QQuant {report.QQuantVersion}, {report.Created:yyyy-MM-dd HH:mm} UTC"),
            Summary(c),
            new XElement("h2", "Layers"),
            new XElement("p", new XAttribute("class", "note"),
                "Weight and input columns compare the QAT model's latent tensor with its quantized value (SQNR: higher is better; KL: lower is better); drift compares the float model's weight with the latent one. Inputs are those of the first analysed batch."),
            LayerTable(c.Layers));
        if (report.Sensitivity is { } sensitivity)
        {
            body.Add(new XElement("h2", "Sensitivity"), SensitivityTable(sensitivity));
        }

        body.Add(
            new XElement("h2", "Similarity by layer"),
            new XElement("p", new XAttribute("class", "note"), "x: the layer's number in the table; a dot's tooltip names the layer."),
            SimilarityCharts(c.Layers));
        body.Add(new XElement("h2", "Distributions"), Distributions(c.Layers));
        var html = new XElement("html", new XAttribute("lang", "en"),
            new XElement("head",
                new XElement("meta", new XAttribute("charset", "utf-8")),
                new XElement("title", "QQuant model analysis"),
                new XElement("style", Style)),
            body);
        CloseEmptyElements(html);
        return "<!DOCTYPE html>\n" + html.ToString(SaveOptions.DisableFormatting) + "\n";
    }

    private static XElement Summary(ModelAnalysisResult c) =>
        new("dl", new XAttribute("class", "summary"),
            Term("Quantized layers", c.Layers.Count.ToString(CultureInfo.InvariantCulture)),
            Term("Top-1 agreement", $"{Fixed(c.Outputs.Top1Agreement, 2)} % of {c.Outputs.Samples} inputs"),
            Term("Output KL (softmax)", $"{Fixed(c.Outputs.SoftmaxKlBits, 5)} bits"),
            Term("Parameters", $"{Megabytes(c.Size.Float32Bytes)} MB at float32 → {Megabytes(c.Size.QuantizedBytes)} MB quantized ({Fixed(c.Size.CompressionRatio, 2)}×)"));

    private static IEnumerable<XElement> Term(string name, string value) => [new XElement("dt", name), new XElement("dd", value)];

    private static XElement LayerTable(IReadOnlyList<LayerAnalysis> layers)
    {
        var table = new XElement("table",
            Row("th", "#", "layer", "type", "W/A bits", "weight cos", "weight SQNR dB", "weight clipped %", "input cos", "input SQNR dB",
                "input KL bits", "input clipped %", "weight drift cos", "quantizer state"));
        for (int i = 0; i < layers.Count; i++)
        {
            LayerAnalysis l = layers[i];
            table.Add(Row("td",
                (i + 1).ToString(CultureInfo.InvariantCulture), l.Name, $"{l.FloatType} → {l.QuantizedType}", $"{l.WeightBits}/{l.InputBits}",
                Fixed(l.Weight.LatentVsQuantized.Cosine, 5), Fixed(l.Weight.LatentVsQuantized.SqnrDb, 2), Fixed(100 * l.Weight.ClippedShare, 2),
                Fixed(l.Input.LatentVsQuantized.Cosine, 5), Fixed(l.Input.LatentVsQuantized.SqnrDb, 2), Fixed(l.Input.LatentVsQuantized.KlBits, 4),
                Fixed(100 * l.Input.ClippedShare, 2), Fixed(l.Weight.FloatVsLatent.Cosine, 5), State(l.QuantizerState)));
        }

        return table;
    }

    private static XElement SensitivityTable(SensitivityResult s)
    {
        var table = new XElement("table",
            Row("th", "rank", "layer", "only this quantized: top-1 %", "KL bits", "all but this quantized: top-1 %", "KL bits"),
            Row("td", "", "float model", Fixed(s.Float.Top1, 2), Fixed(s.Float.KlBits, 5), "", ""),
            Row("td", "", "quantized model", "", "", Fixed(s.Quantized.Top1, 2), Fixed(s.Quantized.KlBits, 5)));
        for (int i = 0; i < s.Layers.Count; i++)
        {
            LayerSensitivity l = s.Layers[i];
            table.Add(Row("td", (i + 1).ToString(CultureInfo.InvariantCulture), l.Name,
                Fixed(l.OnlyThisQuantized.Top1, 2), Fixed(l.OnlyThisQuantized.KlBits, 5), Fixed(l.AllButThisQuantized.Top1, 2), Fixed(l.AllButThisQuantized.KlBits, 5)));
        }

        return table;
    }

    private static XElement SimilarityCharts(IReadOnlyList<LayerAnalysis> layers)
    {
        string[] names = [.. layers.Select(l => l.Name)];
        var charts = new XElement("div", new XAttribute("class", "charts"));
        foreach ((string tensor, Func<LayerAnalysis, TensorAnalysis> pick) in new (string, Func<LayerAnalysis, TensorAnalysis>)[] { ("Weight", l => l.Weight), ("Input", l => l.Input) })
        {
            foreach ((string metric, Func<TensorComparison, double> value) in Metrics)
            {
                ChartSeries[] series =
                [
                    new("Float↔Latent", FloatColour, [.. layers.Select((l, i) => ((double)i, value(pick(l).FloatVsLatent)))]),
                    new("Latent↔Quantized", QuantizedColour, [.. layers.Select((l, i) => ((double)i, value(pick(l).LatentVsQuantized)))]),
                ];
                charts.Add(SvgLineChart.Render($"{tensor} {metric}", series, 460, 240, names));
            }
        }

        return charts;
    }

    private static readonly (string, Func<TensorComparison, double>)[] Metrics =
    [
        ("cosine similarity", m => m.Cosine), ("Pearson correlation", m => m.Pearson), ("KL divergence (bits)", m => m.KlBits), ("SQNR (dB)", m => m.SqnrDb),
    ];

    private static IEnumerable<XElement> Distributions(IReadOnlyList<LayerAnalysis> layers) =>
        layers.Select((l, i) => new XElement("details", i < 3 ? new XAttribute("open", "open") : null,
            new XElement("summary", $"{i + 1}. {l.Name} ({l.QuantizedType}, {l.WeightBits}/{l.InputBits} bits)"),
            new XElement("div", new XAttribute("class", "charts"),
                Distribution($"{l.Name}: weight", l.Weight),
                Distribution($"{l.Name}: input", l.Input))));

    private static XElement Distribution(string title, TensorAnalysis t) =>
        SvgLineChart.Render(title,
        [
            new ChartSeries("quantized", QuantizedColour, Coarse(t.Quantized)),
            new ChartSeries("latent", LatentColour, Coarse(t.Latent)),
            new ChartSeries("float model", FloatColour, Coarse(t.Float)),
        ], 460, 260);

    /// <summary>The distribution merged into at most <see cref="DistributionPoints"/> bins: what a chart of this width can show.</summary>
    private static (double X, double Y)[] Coarse(ValueDistribution d)
    {
        int group = Math.Max(1, (int)Math.Ceiling(d.Shares.Count / (double)DistributionPoints));
        int points = (d.Shares.Count + group - 1) / group;
        double width = (d.Max - d.Min) / d.Shares.Count;
        return [.. Enumerable.Range(0, points).Select(p =>
        {
            int from = p * group, to = Math.Min(d.Shares.Count, from + group);
            double share = 0;
            for (int i = from; i < to; i++)
            {
                share += d.Shares[i];
            }

            return (d.Min + (from + to) / 2.0 * width, share);
        })];
    }

    private static string State(IReadOnlyDictionary<string, IReadOnlyList<double>> state) =>
        string.Join("; ", state.Where(s => s.Value.Count > 0).Select(s => s.Value.Count == 1
            ? $"{s.Key} {SvgLineChart.Number(s.Value[0])}"
            : $"{s.Key} {s.Value.Count} values, mean {SvgLineChart.Number(s.Value.Average())}"));

    private static XElement Row(string cell, params string[] values) => new("tr", values.Select(v => new XElement(cell, v)));

    private static string Fixed(double value, int digits) =>
        double.IsNaN(value) ? "–" : double.IsPositiveInfinity(value) ? "∞" : double.IsNegativeInfinity(value) ? "−∞" : value.ToString("F" + digits, CultureInfo.InvariantCulture);

    private static string Megabytes(double bytes) => (bytes / 1e6).ToString("0.###", CultureInfo.InvariantCulture);

    // HTML reads <td/> as an opening tag; only void elements may be written self-closed.
    private static void CloseEmptyElements(XElement root)
    {
        foreach (XElement e in root.DescendantsAndSelf().Where(e => e.IsEmpty && !VoidElements.Contains(e.Name.LocalName)).ToList())
        {
            e.Value = "";
        }
    }

    private const string Style = """
        body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; background: #fff; }
        h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; }
        .meta, .note { color: #555; }
        dl.summary { display: grid; grid-template-columns: max-content auto; gap: 4px 16px; }
        dt { font-weight: 600; } dd { margin: 0; }
        table { border-collapse: collapse; font-size: 12px; }
        th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: right; }
        th { background: #f3f3f3; } td:nth-child(2), td:nth-child(3), td:last-child { text-align: left; }
        .charts { display: flex; flex-wrap: wrap; gap: 12px; }
        svg .plot { fill: #fafafa; stroke: #999; } svg .grid { stroke: #e2e2e2; }
        svg .line { fill: none; stroke-width: 1.5; }
        svg text { font-size: 11px; fill: #333; } svg .chart-title { font-size: 13px; font-weight: 600; }
        svg .tick-y { text-anchor: end; } svg .tick-x { text-anchor: middle; }
        details { margin: 6px 0; } summary { cursor: pointer; font-weight: 600; }
        """;
}
