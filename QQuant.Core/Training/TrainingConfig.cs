using Microsoft.Extensions.Configuration;

namespace QQuant.Training;

/// <summary>
/// A whole training config as the reference's tools read it (keys in camelCase, the reference's snake_case binds too):
/// the task sections (<c>model</c>, <c>quantTransformer</c>, <c>data</c>) are kept as configuration for the task to
/// build, and the runner's own sections are bound here. An unknown top-level key is an error naming the nearest
/// valid ones.
/// </summary>
public sealed class TrainingConfig
{
    /// <summary>The model section (built by the task's component registry).</summary>
    public IConfiguration? Model { get; set; }

    /// <summary>The quantization policy section, or null for float training.</summary>
    public IConfiguration? QuantTransformer { get; set; }

    /// <summary>The data section (built by the task).</summary>
    public IConfiguration? Data { get; set; }

    /// <summary>The optimizer.</summary>
    public OptimizerConfig Optimizer { get; set; } = new();

    /// <summary>Gradient clipping (the reference's OptimizerHook options).</summary>
    public OptimizerStepConfig OptimizerConfig { get; set; } = new();

    /// <summary>The learning-rate schedule.</summary>
    public LrConfig LrConfig { get; set; } = new();

    /// <summary>Epochs to train.</summary>
    public int TotalEpochs { get; set; } = 1;

    /// <summary>How often checkpoints are written (epochs).</summary>
    public IntervalConfig CheckpointConfig { get; set; } = new();

    /// <summary>How often and what to evaluate.</summary>
    public EvaluationConfig Evaluation { get; set; } = new();

    /// <summary>How often a log line is written (iterations).</summary>
    public IntervalConfig LogConfig { get; set; } = new() { Interval = 10 };

    /// <summary>Where checkpoints and logs go; null for <c>work_dirs/&lt;config file stem&gt;</c>.</summary>
    public string? WorkDir { get; set; }

    /// <summary>A checkpoint whose weights start training (non-strict: quantizer state may be missing), or null.</summary>
    public string? LoadFrom { get; set; }

    /// <summary>What happens before the first step of a quantized model loaded from a float checkpoint (<see cref="LoadFrom"/>): by default calibration and BatchNorm re-estimation on 8 training batches each, then an evaluation.</summary>
    public QatStartConfig QatStart { get; set; } = new();

    /// <summary>A checkpoint to continue from (weights, optimizer, epoch), <c>latest</c> for the work dir's <c>latest.ckpt</c>, or null.</summary>
    public string? ResumeFrom { get; set; }

    /// <summary>The seed of shuffling, augmentation and torch's generator; null for 0.</summary>
    public long? Seed { get; set; }

    /// <summary>Use deterministic kernels (torch.use_deterministic_algorithms).</summary>
    public bool Deterministic { get; set; }

    /// <summary>The device: cpu, cuda or cuda:N.</summary>
    public string Device { get; set; } = "cpu";
}
