using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace QQuant.Samples.Commands;

/// <summary>The benchmarks' JSON files.</summary>
internal static class BenchOutput
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Writes <paramref name="rows"/> (an array of rows, or an object holding them) as indented JSON to <paramref name="path"/> atomically and says so.</summary>
    public static void WriteJson(TextWriter output, string path, JsonNode rows)
    {
        string text = rows.ToJsonString(Indented) + "\n";
        AtomicFile.Write(path, s => s.Write(Encoding.UTF8.GetBytes(text)));
        output.WriteLine($"wrote {path}");
    }
}
