using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace QQuant;

/// <summary>
/// Every leaf of a model with what a policy decided for it: the result of <c>PlanQuantization</c> (a dry run) and of
/// <c>Quantize</c>. Print it as an aligned table (<see cref="ToString"/>), Markdown or JSON.
/// </summary>
public sealed class QuantizationReport
{
    private static readonly string[] Headers =
        ["name", "type", "decision", "rule", "new type", "w", "a", "input q"];

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    internal QuantizationReport(IReadOnlyList<LayerDecision> layers, bool applied)
    {
        Layers = layers;
        Applied = applied;
    }

    /// <summary>One row per leaf, in the order <c>named_modules()</c> reaches them depth first.</summary>
    public IReadOnlyList<LayerDecision> Layers { get; }

    /// <summary>True when the model was rewritten; false for a dry run.</summary>
    public bool Applied { get; }

    /// <summary>How many leaves got <paramref name="decision"/>.</summary>
    public int Count(QuantDecision decision) => Layers.Count(l => l.Decision == decision);

    /// <summary>The summary line, for example <c>21 quantized, 0 kept float, 1 excepted, ... of 62 leaves</c>.</summary>
    public string Summary =>
        $"{Count(QuantDecision.Quantized)} quantized, {Count(QuantDecision.KeptFloat)} kept float, "
        + $"{Count(QuantDecision.Excepted)} excepted, {Count(QuantDecision.AlreadyQuantized)} already quantized, "
        + $"{Count(QuantDecision.NoRule)} without a rule, of {Layers.Count} leaves"
        + (Applied ? "" : " (dry run: nothing changed)");

    /// <summary>An aligned plain-text table, one row per leaf, followed by the summary line.</summary>
    public override string ToString()
    {
        List<string[]> rows = [Headers, .. Layers.Select(Cells)];
        int[] widths = Enumerable.Range(0, Headers.Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (string[] row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
        }

        return text.Append(Summary).ToString();
    }

    /// <summary>A Markdown table, one row per leaf, followed by the summary line.</summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine("| " + string.Join(" | ", Headers) + " |");
        text.AppendLine("|" + string.Concat(Headers.Select(_ => "---|")));
        foreach (string[] row in Layers.Select(Cells))
        {
            text.AppendLine("| " + string.Join(" | ", row.Select(c => c.Replace("|", "\\|"))) + " |");
        }

        return text.AppendLine().Append(Summary).AppendLine().ToString();
    }

    /// <summary>The report as indented JSON: <c>{ "applied", "summary", "layers": [ { "name", ... } ] }</c>.</summary>
    public string ToJson() =>
        JsonSerializer.Serialize(new { Applied, Summary, Layers }, JsonOptions);

    private static string[] Cells(LayerDecision row) =>
    [
        row.Name,
        row.OriginalType,
        DecisionText(row.Decision),
        row.Rule ?? "-",
        row.NewType ?? "-",
        row.WeightBits?.ToString(CultureInfo.InvariantCulture) ?? "-",
        row.ActivationBits?.ToString(CultureInfo.InvariantCulture) ?? "-",
        row.InputQuantized switch { true => "yes", false => "no", null => "-" },
    ];

    private static string DecisionText(QuantDecision decision) => decision switch
    {
        QuantDecision.Quantized => "quantized",
        QuantDecision.KeptFloat => "kept float",
        QuantDecision.Excepted => "excepted",
        QuantDecision.AlreadyQuantized => "already quantized",
        _ => "no rule",
    };
}
