using System.Text.Json;
using System.Text.Json.Serialization;

namespace QQuant.Analysis;

/// <summary>
/// The JSON form of an <see cref="AnalysisReport"/>: camelCase property names, every number as a JSON number except
/// the non-finite ones (an infinite SQNR of identical tensors, an undefined correlation), which are the strings
/// <c>"Infinity"</c>, <c>"-Infinity"</c> and <c>"NaN"</c>. <see cref="Read"/> gives back equal values.
/// </summary>
public static class AnalysisJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
    };

    /// <summary>The report as indented JSON.</summary>
    public static string Write(AnalysisReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return JsonSerializer.Serialize(report, Options);
    }

    /// <summary>Reads a report written by <see cref="Write"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="source">The file it came from, for the error message.</param>
    /// <exception cref="ModelAnalysisException">The text is not a report.</exception>
    public static AnalysisReport Read(string json, string source = "the JSON text")
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize<AnalysisReport>(json, Options)
                   ?? throw new ModelAnalysisException($"{source} holds null, not an analysis report.");
        }
        catch (JsonException e)
        {
            throw new ModelAnalysisException($"{source} is not an analysis report: {e.Message}", e);
        }
    }
}
