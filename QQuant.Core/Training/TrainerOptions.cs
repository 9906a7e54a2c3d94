namespace QQuant.Training;

/// <summary>How <see cref="Trainer{TBatch}"/> runs: epochs, intervals, clipping, where checkpoints go and what they record.</summary>
public sealed class TrainerOptions
{
    /// <summary>Epochs to train in all (<c>totalEpochs</c>); a resumed run continues up to this number.</summary>
    public int TotalEpochs { get; set; } = 1;

    /// <summary>Log a line every this many iterations (<c>logConfig.interval</c>); the last iteration of an epoch always logs.</summary>
    public int LogInterval { get; set; } = 10;

    /// <summary>Write <c>epoch_k</c> and <c>latest</c> every this many epochs (<c>checkpointConfig.interval</c>), and after the last; 0 for none.</summary>
    public int CheckpointInterval { get; set; } = 1;

    /// <summary>Evaluate every this many epochs (<c>evaluation.interval</c>); 0 for never.</summary>
    public int EvaluationInterval { get; set; } = 1;

    /// <summary>Clip the gradient norm before each step, or null.</summary>
    public GradClipConfig? GradClip { get; set; }

    /// <summary>The folder of checkpoints; null writes none.</summary>
    public string? WorkDir { get; set; }

    /// <summary>The seed of the per-epoch random state (dropout and anything else drawn from torch's generator).</summary>
    public long Seed { get; set; }

    /// <summary>
    /// What every checkpoint records besides the training position (class names, configuration text, policy, seed,
    /// entries); epoch, iteration and versions are filled in at each save.
    /// </summary>
    public CheckpointMeta Meta { get; set; } = new();
}
