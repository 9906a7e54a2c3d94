namespace QQuant;

/// <summary>
/// What a training checkpoint records besides tensors (the reference's <c>meta</c>): where training stood, the class
/// names, the configuration text, the quantization policy, when and by which QQuant and TorchSharp versions it was
/// written, the seed, and free-form entries.
/// </summary>
public sealed record CheckpointMeta
{
    /// <summary>The number of finished epochs (the reference's <c>epoch</c>, 1-based after the first epoch).</summary>
    public int Epoch { get; init; }

    /// <summary>The number of finished iterations (the reference's <c>iter</c>).</summary>
    public long Iteration { get; init; }

    /// <summary>The class names by label (the reference's <c>CLASSES</c>), or null when the model has none.</summary>
    public IReadOnlyList<string>? Classes { get; init; }

    /// <summary>The full configuration text the run used, or null.</summary>
    public string? Config { get; init; }

    /// <summary>When the checkpoint was written; <see cref="Checkpoint.Save"/> sets it when null.</summary>
    public DateTimeOffset? Time { get; init; }

    /// <summary>The QQuant version that wrote the checkpoint; <see cref="Checkpoint.Save"/> always sets it.</summary>
    public string? QQuantVersion { get; init; }

    /// <summary>The TorchSharp version that wrote the checkpoint; <see cref="Checkpoint.Save"/> always sets it.</summary>
    public string? TorchSharpVersion { get; init; }

    /// <summary>The quantization policy the model was built with (its JSON form), or null for a float model.</summary>
    public string? Policy { get; init; }

    /// <summary>The run's random seed, or null.</summary>
    public long? Seed { get; init; }

    /// <summary>Free-form string entries (environment, git commit, notes).</summary>
    public IReadOnlyDictionary<string, string> Entries { get; init; } = new Dictionary<string, string>();
}
