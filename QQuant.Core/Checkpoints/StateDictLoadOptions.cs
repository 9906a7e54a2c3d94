namespace QQuant;

/// <summary>How <see cref="StateDictLoader"/> matches a source state dict to a module.</summary>
public sealed record StateDictLoadOptions
{
    /// <summary>
    /// Maps a source key to the module key it loads into, or to null to leave that source tensor out (see
    /// <see cref="UnmappedAreUnexpected"/>). Null (the default) uses the source keys unchanged.
    /// </summary>
    public Func<string, string?>? KeyMap { get; init; }

    /// <summary>
    /// True (the default): any missing, unexpected or shape-mismatched key fails the load with a
    /// <see cref="StateDictMismatchException"/> before anything changes. False: load what fits, leave the rest as it is.
    /// </summary>
    public bool Strict { get; init; } = true;

    /// <summary>
    /// True (the default): quantizer state missing from the source (a float checkpoint loaded into a quantized model)
    /// does not fail a strict load; those quantizers initialise from data on the first training batch or by calibration.
    /// </summary>
    public bool AllowMissingQuantizerState { get; init; } = true;

    /// <summary>
    /// False (the default): source keys that <see cref="KeyMap"/> maps to null are dropped on purpose and listed in
    /// <see cref="StateDictLoadReport.Dropped"/>. True: they count as unexpected (the key "has no place").
    /// </summary>
    public bool UnmappedAreUnexpected { get; init; }

    /// <summary>Where the source came from (a file path), for the report and error messages.</summary>
    public string Source { get; init; } = "the given state dict";
}
