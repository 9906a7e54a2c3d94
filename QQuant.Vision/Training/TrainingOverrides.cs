namespace QQuant.Vision;

/// <summary>What the command line sets over a config (the reference's <c>tools/train.py</c> flags); null keeps the config's value.</summary>
public sealed record TrainingOverrides
{
    /// <summary><c>--work-dir</c>.</summary>
    public string? WorkDir { get; init; }

    /// <summary><c>--resume-from</c>: a checkpoint, or <c>latest</c> for the work dir's <c>latest.ckpt</c>.</summary>
    public string? ResumeFrom { get; init; }

    /// <summary><c>--load-from</c>.</summary>
    public string? LoadFrom { get; init; }

    /// <summary><c>--no-validate</c>: skip evaluation during training.</summary>
    public bool NoValidate { get; init; }

    /// <summary><c>--seed</c>.</summary>
    public long? Seed { get; init; }

    /// <summary><c>--deterministic</c>.</summary>
    public bool? Deterministic { get; init; }

    /// <summary><c>--device</c>.</summary>
    public string? Device { get; init; }

    /// <summary>A policy to quantize the config's model with, instead of its <c>quantTransformer</c> section.</summary>
    public QuantPolicy? Policy { get; init; }

    /// <summary>Train on the first this many samples only (quick runs), or null for all.</summary>
    public int? MaxTrainSamples { get; init; }

    /// <summary>Evaluate on the first this many samples only, or null for all.</summary>
    public int? MaxValSamples { get; init; }

    /// <summary>
    /// The processes training together (<c>--launcher mpi</c>: an <see cref="QQuant.Distributed.MpiProcessGroup"/>);
    /// null for this process alone. Each reads its shard of every epoch and of the validation split; rank 0 logs and
    /// writes the work directory.
    /// </summary>
    public QQuant.Distributed.IProcessGroup? ProcessGroup { get; init; }

    /// <summary>With several processes, synchronise BatchNorm statistics over them (<c>--sync-bn</c>).</summary>
    public bool SyncBatchNorm { get; init; }

    /// <summary>
    /// Told of the <c>qatStart</c> passes batch by batch (<see cref="QuantCalibration"/>'s <c>calibration</c> stage and
    /// <see cref="BatchNormReestimation"/>'s), or null (the default) for no reports; the training log is unchanged.
    /// </summary>
    public IProgress<ProgressStep>? Progress { get; init; }
}
