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

    /// <summary>
    /// The processes that train together (data parallelism); one process by default. With several, every process
    /// runs the same trainer on its shard of the data: rank 0's state is broadcast at the start and after the first
    /// step (when quantizers have initialised), gradients are averaged before clipping, a non-finite loss on any
    /// process stops all of them, and only rank 0 writes checkpoints.
    /// </summary>
    public QQuant.Distributed.IProcessGroup ProcessGroup { get; set; } = QQuant.Distributed.SingleProcessGroup.Instance;

    /// <summary>
    /// With several processes: true synchronises BatchNorm statistics over them while training (every BatchNorm2d is
    /// a <see cref="QQuant.Distributed.SyncBatchNorm2d"/> for the run); false (the default) keeps them per process, as
    /// PyTorch DDP does.
    /// </summary>
    public bool SyncBatchNorm { get; set; }
}
