using QQuant.Training;

namespace QQuant.Vision;

/// <summary>A prepared training run: the model, its quantization report, the work dir, the log and the trainer.</summary>
public sealed class TrainingRun : IDisposable
{
    private readonly IReadOnlyList<IDisposable> _owned;

    internal TrainingRun(ImageClassifier model, QuantizationReport? report, string workDir, TrainingLog log, Trainer<Batch> trainer, IReadOnlyList<IDisposable> owned)
    {
        Model = model;
        Report = report;
        WorkDir = workDir;
        Log = log;
        Trainer = trainer;
        _owned = owned;
    }

    /// <summary>The classifier being trained.</summary>
    public ImageClassifier Model { get; }

    /// <summary>What quantization did, or null for a float model.</summary>
    public QuantizationReport? Report { get; }

    /// <summary>The folder of checkpoints, logs and the resolved config.</summary>
    public string WorkDir { get; }

    /// <summary>The run's log.</summary>
    public TrainingLog Log { get; }

    /// <summary>
    /// The metrics of the quantized model before its first step (after <c>qatStart</c>'s calibration and BatchNorm
    /// re-estimation), or null when the run did not start from a float checkpoint or did not evaluate them.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, double>>? StartMetrics { get; init; }

    /// <summary>The epoch loop.</summary>
    public Trainer<Batch> Trainer { get; }

    /// <summary>Trains to the configured number of epochs.</summary>
    public TrainingResult Run() => Trainer.Run();

    /// <summary>Disposes the model, optimizer and log.</summary>
    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
    }
}
