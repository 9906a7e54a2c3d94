using System.Text;

namespace QQuant;

/// <summary>What a state-dict load did: which module keys were loaded, which were not, and why.</summary>
public sealed class StateDictLoadReport
{
    private const int ListedPerLine = 12;

    /// <summary>Creates the report (the loader does; public for tests and for tools that combine reports).</summary>
    public StateDictLoadReport(
        string source,
        IReadOnlyList<string> loaded,
        IReadOnlyList<string> missing,
        IReadOnlyList<string> missingQuantizerState,
        IReadOnlyList<string> unexpected,
        IReadOnlyList<ShapeMismatch> shapeMismatched,
        IReadOnlyList<string> dropped)
    {
        Source = source;
        Loaded = loaded;
        Missing = missing;
        MissingQuantizerState = missingQuantizerState;
        Unexpected = unexpected;
        ShapeMismatched = shapeMismatched;
        Dropped = dropped;
    }

    /// <summary>Where the state dict came from (a file path).</summary>
    public string Source { get; }

    /// <summary>Module keys whose tensors were (or, when refused, would have been) overwritten.</summary>
    public IReadOnlyList<string> Loaded { get; }

    /// <summary>Module keys, outside quantizers, that no source tensor maps to: left as they are.</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>
    /// Module keys of quantizer parameters and buffers that no source tensor maps to: expected when a float
    /// checkpoint is loaded into a quantized model (the quantizers initialise from data).
    /// </summary>
    public IReadOnlyList<string> MissingQuantizerState { get; }

    /// <summary>Source keys with no place in the module (or mapped to a key another source key already took).</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>Source tensors whose shape differs from their module tensor: not loaded.</summary>
    public IReadOnlyList<ShapeMismatch> ShapeMismatched { get; }

    /// <summary>Source keys the key map dropped on purpose.</summary>
    public IReadOnlyList<string> Dropped { get; }

    /// <summary>True when every module key was loaded and every source key was used (dropped keys aside).</summary>
    public bool IsExactMatch => Missing.Count == 0 && MissingQuantizerState.Count == 0 && Unexpected.Count == 0 && ShapeMismatched.Count == 0;

    /// <summary>A few lines: the count loaded, then each non-empty list with its keys.</summary>
    public override string ToString()
    {
        int total = Loaded.Count + Missing.Count + MissingQuantizerState.Count + ShapeMismatched.Count;
        var text = new StringBuilder($"Loaded {Loaded.Count} of {total} module tensors from {Source}.");
        Append(text, "Missing", Missing);
        Append(text, "Missing quantizer state (expected for a float checkpoint: these quantizers initialise from data "
                     + "on the first training batch or by calibration)", MissingQuantizerState);
        Append(text, "Unexpected (no place in the module)", Unexpected);
        Append(text, "Shape mismatched (left as they are)", ShapeMismatched.Select(m => m.ToString()).ToList());
        Append(text, "Dropped by the key map", Dropped);
        return text.ToString();
    }

    private static void Append(StringBuilder text, string title, IReadOnlyList<string> keys)
    {
        if (keys.Count == 0)
        {
            return;
        }

        text.Append($"\n{title} ({keys.Count}): ");
        text.Append(string.Join(", ", keys.Take(ListedPerLine)));
        if (keys.Count > ListedPerLine)
        {
            text.Append($", ... and {keys.Count - ListedPerLine} more");
        }
    }
}
