using System.Diagnostics;
using QQuant.Distributed;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Training;

/// <summary>
/// The epoch loop of the reference's runner: for each epoch, train mode, then per batch the scheduled learning rate,
/// forward, a finiteness check of the loss, backward, optional gradient clipping, an optimizer step and a finiteness check
/// of the quantizer parameters, with a log line every <see cref="TrainerOptions.LogInterval"/> iterations; after the
/// epoch, a finiteness check of every parameter, then evaluation and a checkpoint at their intervals. Everything random in an epoch is seeded from (seed, epoch), so a run resumed from a checkpoint continues
/// exactly as an uninterrupted one (given deterministic kernels).
/// </summary>
/// <typeparam name="TBatch">The task's batch type.</typeparam>
public sealed class Trainer<TBatch> where TBatch : IDisposable
{
    private readonly ITrainingTask<TBatch> _task;
    private readonly TrainingOptimizer _optimizer;
    private readonly LrSchedule _schedule;
    private readonly TrainerOptions _options;
    private readonly TrainingLog _log;
    private readonly IEvaluator? _evaluator;
    private readonly HashSet<string> _quantizerParameters;
    private readonly IReadOnlyList<TorchSharp.Modules.Parameter> _quantizerTensors;
    private readonly IProcessGroup _group;
    private GradientBuckets? _buckets;
    private bool _stateShared;
    private string? _lastCheckpoint;

    /// <summary>Creates the trainer; nothing runs until <see cref="Run"/>.</summary>
    /// <exception cref="TrainingConfigException">An option is out of range.</exception>
    public Trainer(ITrainingTask<TBatch> task, TrainingOptimizer optimizer, LrSchedule schedule, TrainerOptions options,
        TrainingLog log, IEvaluator? evaluator = null)
    {
        _task = task ?? throw new ArgumentNullException(nameof(task));
        _optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        _schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _log = log ?? throw new ArgumentNullException(nameof(log));
        _evaluator = evaluator;
        Check(options.TotalEpochs >= 1, "totalEpochs", $"must be at least 1, got {options.TotalEpochs}.");
        Check(options.LogInterval >= 1, "logConfig:interval", $"must be at least 1, got {options.LogInterval}.");
        Check(options.CheckpointInterval >= 0, "checkpointConfig:interval", $"must be 0 (none) or more, got {options.CheckpointInterval}.");
        Check(options.EvaluationInterval >= 0, "evaluation:interval", $"must be 0 (never) or more, got {options.EvaluationInterval}.");
        Check(options.GradClip is null || options.GradClip.MaxNorm > 0, "optimizerConfig:gradClip:maxNorm", $"must be positive, got {options.GradClip?.MaxNorm}.");
        Check(task.IterationsPerEpoch >= 1, "data", "the training data gives no batch per epoch.");
        _quantizerParameters = optimizer.Groups.Where(g => g.Kind == ParameterGroup.Quantizer)
            .SelectMany(g => g.Names).ToHashSet(StringComparer.Ordinal);
        _quantizerTensors = [.. optimizer.Groups.Where(g => g.Kind == ParameterGroup.Quantizer).SelectMany(g => g.Parameters)];
        _group = options.ProcessGroup ?? SingleProcessGroup.Instance;
    }

    /// <summary>The number of finished epochs (the next epoch to run, 0-based).</summary>
    public int Epoch { get; private set; }

    /// <summary>The number of finished iterations.</summary>
    public long Iteration { get; private set; }

    /// <summary>
    /// Continues from <paramref name="checkpointPath"/>: loads the model state strictly, restores the optimizer state
    /// and the epoch and iteration counts, so <see cref="Run"/> goes on with the next epoch.
    /// </summary>
    /// <exception cref="CheckpointFileException">The file is not a checkpoint or has no optimizer state.</exception>
    /// <exception cref="StateDictMismatchException">The model does not match the saved state.</exception>
    public void ResumeFrom(string checkpointPath)
    {
        using Checkpoint checkpoint = Checkpoint.Load(checkpointPath);
        checkpoint.LoadInto(_task.Model, strict: true);
        checkpoint.RestoreOptimizer(_optimizer.Optimizer);
        Epoch = checkpoint.Meta.Epoch;
        Iteration = checkpoint.Meta.Iteration;
        _lastCheckpoint = checkpointPath;
        _log.Info($"resumed from {checkpointPath}, epoch {Epoch}, iter {Iteration}");
    }

    /// <summary>
    /// Trains from the current epoch to <see cref="TrainerOptions.TotalEpochs"/>, or only up to epoch
    /// <paramref name="untilEpoch"/> (to train in parts: the schedule still spans all epochs).
    /// </summary>
    /// <exception cref="TrainingDivergedException">
    /// The loss became non-finite, a step made a quantizer parameter non-finite, or a parameter is non-finite at the end
    /// of an epoch; no checkpoint is written from that state and the last one is left as it was.
    /// </exception>
    public TrainingResult Run(int? untilEpoch = null)
    {
        int stop = Math.Min(untilEpoch ?? _options.TotalEpochs, _options.TotalEpochs);
        var clock = Stopwatch.StartNew();
        var eta = new EtaEstimator();
        IReadOnlyList<KeyValuePair<string, double>> metrics = [];
        int perEpoch = _task.IterationsPerEpoch;
        _log.Info($"workflow: [('train', 1)], max: {_options.TotalEpochs} epochs");
        using BatchNormSync? synchronised = _group.Size > 1 && _options.SyncBatchNorm ? BatchNormSync.Apply(_task.Model, _group) : null;
        if (_group.Size > 1)
        {
            _log.Info($"data parallel: {_group.Size} processes over {_group.Backend}"
                      + (synchronised is null ? "" : $"; {synchronised.Count} BatchNorms synchronised"));
            _group.BroadcastState(_task.Model);
            _buckets ??= new GradientBuckets(_optimizer.Parameters);
            _stateShared = false;
        }

        while (Epoch < stop)
        {
            RunEpoch(Epoch, perEpoch, eta);
            Epoch++;
            if (!AllFinite(_task.Model.parameters()))
            {
                // A step can poison a weight while the loss stays finite: nothing is evaluated or saved from that state.
                throw Diverged(Epoch, perEpoch, Iteration, "the parameters are not all finite at the end of the epoch");
            }

            if (_group.Size > 1)
            {
                // The last forward updated each process's buffers from its own batch: evaluate and save rank 0's.
                _group.BroadcastBuffers(_task.Model);
                _group.CheckStatesAgree(_task.Model, $"after epoch {Epoch}");
            }

            if (_evaluator is not null && _options.EvaluationInterval > 0 && Epoch % _options.EvaluationInterval == 0)
            {
                metrics = Evaluate(_evaluator, Epoch);
            }

            bool lastEpoch = Epoch == _options.TotalEpochs;
            if (_options.WorkDir is not null && _options.CheckpointInterval > 0 && (Epoch % _options.CheckpointInterval == 0 || lastEpoch))
            {
                SaveCheckpoint(metrics);
            }
        }

        return new TrainingResult(Epoch, Iteration, metrics, _lastCheckpoint, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The seed of epoch <paramref name="epoch"/>'s torch generator, a pure function of (seed, epoch).</summary>
    public static long EpochSeed(long seed, int epoch) => unchecked((seed * 1_000_003L) ^ (epoch + 1) * 7_919L) & long.MaxValue;

    private void RunEpoch(int epoch, int perEpoch, EtaEstimator eta)
    {
        torch.manual_seed(EpochSeed(_options.Seed, epoch));
        if (torch.cuda.is_available())
        {
            torch.cuda.manual_seed_all(EpochSeed(_options.Seed, epoch));
        }

        nn.Module model = _task.Model;
        model.train();
        var meter = new IntervalMeter();
        int inner = 0;
        var data = Stopwatch.StartNew();
        using IEnumerator<TBatch> batches = _task.Batches(epoch).GetEnumerator();
        while (true)
        {
            data.Restart();
            if (!batches.MoveNext())
            {
                break;
            }

            double dataTime = data.Elapsed.TotalSeconds;
            var step = Stopwatch.StartNew();
            using (TBatch batch = batches.Current)
            using (NewDisposeScope())
            {
                _optimizer.SetLearningRate(_schedule.At(epoch, Iteration));
                _optimizer.Optimizer.zero_grad();
                _group.BroadcastBuffers(_task.Model);
                StepOutput output = _task.Forward(batch);
                double loss = output.Loss.item<float>();
                IReadOnlyList<KeyValuePair<string, double>> values = output.Values;
                if (_group.Size > 1)
                {
                    (loss, values) = Reduce(loss, values, epoch + 1, inner + 1);
                }
                else if (!double.IsFinite(loss))
                {
                    throw Diverged(epoch + 1, inner + 1, Iteration + 1, LossText(loss));
                }

                output.Loss.backward();
                _buckets?.Average(_group);
                if (_options.GradClip is { } clip)
                {
                    nn.utils.clip_grad_norm_(_optimizer.Parameters, clip.MaxNorm, clip.NormType);
                }

                _optimizer.Optimizer.step();
                _task.Model.ProjectQuantizerState();
                if (_group.Size > 1 && !_stateShared)
                {
                    // Quantizers initialised from each process's own first batch: every process takes rank 0's.
                    _group.BroadcastState(_task.Model);
                    _stateShared = true;
                }

                if (!AllFinite(_quantizerTensors))
                {
                    // A NaN gradient leaves this loss finite but the next forward meaningless (or, at an epoch's end, saved).
                    throw Diverged(epoch + 1, inner + 1, Iteration + 1, "the loss is finite but the optimizer step made quantizer parameters non-finite");
                }

                meter.Add("loss", loss, output.BatchSize);
                foreach ((string key, double value) in values)
                {
                    meter.Add(key, value, output.BatchSize);
                }
            }

            inner++;
            Iteration++;
            double seconds = dataTime + step.Elapsed.TotalSeconds;
            meter.AddTime(seconds, dataTime);
            eta.Record(seconds);
            if (inner % _options.LogInterval == 0 || inner == perEpoch)
            {
                long remaining = (long)_options.TotalEpochs * perEpoch - Iteration;
                _log.Entry(new TrainLogEntry(
                    TrainLogEntry.TrainMode, epoch + 1, inner, perEpoch, _optimizer.CurrentLr, eta.Remaining(Math.Max(remaining, 0)),
                    meter.MeanTime, meter.MeanDataTime, MemoryUsage.PeakResidentMb(), meter.Averages()));
                meter.Clear();
            }
        }
    }

    private IReadOnlyList<KeyValuePair<string, double>> Evaluate(IEvaluator evaluator, int epoch)
    {
        IReadOnlyList<KeyValuePair<string, double>> metrics;
        try
        {
            metrics = evaluator.Evaluate(_task.Model, _log.Progress(evaluator.Batches));
        }
        finally
        {
            _task.Model.train();
        }

        _log.Entry(new TrainLogEntry(
            TrainLogEntry.ValMode, epoch, evaluator.Batches, evaluator.Batches, _optimizer.CurrentLr, null, null, null, null, metrics));
        return metrics;
    }

    // The loss and logged values as means over the processes; a non-finite loss on any of them stops every one.
    private (double Loss, IReadOnlyList<KeyValuePair<string, double>> Values) Reduce(
        double loss, IReadOnlyList<KeyValuePair<string, double>> values, int epoch, int inner)
    {
        bool finite = double.IsFinite(loss);
        double[] sums = [finite ? loss : 0, finite ? 0 : 1, .. values.Select(v => v.Value)];
        _group.AllReduceSum(sums);
        if (sums[1] > 0)
        {
            throw Diverged(epoch, inner, Iteration + 1, LossText(finite ? double.NaN : loss, processes: (int)sums[1]));
        }

        return (sums[0] / _group.Size, [.. values.Select((v, i) => KeyValuePair.Create(v.Key, sums[i + 2] / _group.Size))]);
    }

    private void SaveCheckpoint(IReadOnlyList<KeyValuePair<string, double>> metrics)
    {
        string path = CheckpointFiles.ForEpoch(_options.WorkDir!, Epoch);
        if (_group.Rank != 0)
        {
            // Rank 0 writes; the others wait until the file is complete.
            _group.Barrier();
            _lastCheckpoint = path;
            return;
        }

        var entries = new Dictionary<string, string>(_options.Meta.Entries);
        foreach ((string key, double value) in metrics)
        {
            entries[key] = value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        }

        Checkpoint.Save(path, _task.Model, _optimizer.Optimizer, _options.Meta with
        {
            Epoch = Epoch,
            Iteration = Iteration,
            Seed = _options.Seed,
            Time = null,
            Entries = entries,
        });
        CheckpointFiles.UpdateLatest(path);
        _lastCheckpoint = path;
        _log.Info($"Saving checkpoint at {Epoch} epochs: {path}");
        if (_group.Size > 1)
        {
            _group.Barrier();
        }
    }

    // One device read for all tensors: false when any holds NaN or an infinity.
    private static bool AllFinite(IEnumerable<Tensor> tensors)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor[] flags = [.. tensors.Select(t => t.isfinite().all())];
        return flags.Length == 0 || stack(flags).all().item<bool>();
    }

    private string LossText(double loss, int processes = 1) =>
        "the loss is " + (double.IsNaN(loss) ? "NaN" : loss > 0 ? "+inf" : "-inf")
        + (_group.Size > 1 ? $" on {processes} of {_group.Size} processes" : "");

    private TrainingDivergedException Diverged(int epoch, int inner, long overall, string what)
    {
        List<string> quantizers = [];
        int others = 0;
        using (no_grad())
        {
            foreach ((string name, TorchSharp.Modules.Parameter parameter) in _task.Model.named_parameters())
            {
                if (parameter.isfinite().all().item<bool>())
                {
                    continue;
                }

                if (_quantizerParameters.Contains(name))
                {
                    quantizers.Add(name);
                }
                else
                {
                    others++;
                }
            }
        }

        string where = $"epoch {epoch}, iteration {inner}/{_task.IterationsPerEpoch} (iteration {overall} overall)";
        string parameters = quantizers.Count > 0
            ? $"Non-finite quantizer parameters: {string.Join(", ", quantizers)}."
            : "No quantizer parameter is non-finite.";
        string rest = others > 0 ? $" {others} other parameter tensor(s) are non-finite too." : "";
        string checkpoint = _lastCheckpoint is null
            ? "No checkpoint had been written in this run."
            : $"The last good checkpoint, {_lastCheckpoint}, is intact.";
        return new TrainingDivergedException(
            $"Training stopped: {what} at {where}. {parameters}{rest} {checkpoint} "
            + "Lower the learning rate (or the quantizer lr multiplier), clip gradients (optimizerConfig.gradClip), or check the data.",
            epoch, inner, quantizers);
    }

    private static void Check(bool condition, string key, string message)
    {
        if (!condition)
        {
            throw new TrainingConfigException(key, message);
        }
    }
}
