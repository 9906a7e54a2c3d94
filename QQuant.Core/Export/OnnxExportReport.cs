using System.Text;

namespace QQuant.Export;

/// <summary>What an ONNX export wrote: the file, the opset and format, and one row per quantized layer.</summary>
public sealed class OnnxExportReport
{
    internal OnnxExportReport(string? path, long bytes, int opset, OnnxQuantFormat format, int nodes, IReadOnlyList<OnnxLayerExport> layers)
    {
        Path = path;
        Bytes = bytes;
        Opset = opset;
        Format = format;
        Nodes = nodes;
        Layers = layers;
    }

    /// <summary>The file written, or null when the model was only built in memory.</summary>
    public string? Path { get; }

    /// <summary>The size of the serialised model in bytes.</summary>
    public long Bytes { get; }

    /// <summary>The opset of the default domain.</summary>
    public int Opset { get; }

    /// <summary>How grids narrower than 8 bits were written.</summary>
    public OnnxQuantFormat Format { get; }

    /// <summary>The number of nodes in the graph.</summary>
    public int Nodes { get; }

    /// <summary>Every quantized layer, in model order.</summary>
    public IReadOnlyList<OnnxLayerExport> Layers { get; }

    /// <summary>True when ONNX computes what training computes for every layer (no notes).</summary>
    public bool IsExact => Layers.All(l => l.Notes.Count == 0);

    /// <summary>An aligned table of the layers, then the notes and a summary line.</summary>
    public override string ToString()
    {
        string[] header = ["layer", "type", "weight", "input", "folded"];
        List<string[]> rows = [header, .. Layers.Select(l => new[] { l.Path, l.LayerType, l.Weight, l.Input, l.FoldedNorm ?? "-" })];
        int[] widths = [.. Enumerable.Range(0, header.Length).Select(c => rows.Max(r => r[c].Length))];
        var text = new StringBuilder();
        foreach (string[] row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
        }

        foreach (OnnxLayerExport layer in Layers.Where(l => l.Notes.Count > 0))
        {
            layer.Notes.ToList().ForEach(note => text.AppendLine($"note: {layer.Path}: {note}"));
        }

        int approximated = Layers.Count(l => l.Notes.Count > 0);
        return text.Append(
                $"{Layers.Count} quantized layers, {approximated} with notes; {Nodes} nodes, opset {Opset}, "
                + $"{Format.ToString().ToUpperInvariant()}, {Bytes / 1e6:F2} MB" + (Path is null ? "" : $" -> {Path}"))
            .ToString();
    }
}
