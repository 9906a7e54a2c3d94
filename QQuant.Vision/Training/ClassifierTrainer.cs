using QQuant.Distributed;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using QQuant.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// The reference's <c>tools/train.py</c> as a service: from a resolved config it makes the work dir (and writes the
/// resolved config into it), opens the log, builds the datasets, the classifier and its quantization, loads
/// <c>loadFrom</c> weights or resumes, builds the optimizer and schedule, and returns a <see cref="TrainingRun"/> ready
/// to run. <c>services.AddQQuant().AddQuantizers().AddVision()</c> registers it.
/// </summary>
public sealed class ClassifierTrainer
{
    private const string QuantTransformerKey = "quantTransformer";

    private readonly ComponentRegistry _components;
    private readonly ClassifierFactory _factory;

    /// <summary>Creates the trainer over the registries that name components and quantized layers.</summary>
    public ClassifierTrainer(ComponentRegistry components, QuantLayerRegistry layers)
    {
        _components = components;
        _factory = new ClassifierFactory(components, layers);
    }

    /// <summary>Binds the runner's sections of <paramref name="config"/>, with errors that name its file.</summary>
    /// <exception cref="ComponentConfigurationException">An unknown key or a wrong value; the message names the file and key path.</exception>
    public TrainingConfig Bind(ConfigDocument config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return InFile(config, () => _components.BindOptions<TrainingConfig>(config.ToConfiguration()));
    }

    /// <summary>Prepares a training run of <paramref name="config"/> (see the class summary).</summary>
    /// <param name="config">The resolved config (<see cref="ConfigDocument.Load"/>).</param>
    /// <param name="overrides">Command-line settings over the config's, or null.</param>
    /// <param name="console">Where log lines are echoed.</param>
    /// <exception cref="QQuantException">The config, data or checkpoints do not fit; the message says which and where.</exception>
    public TrainingRun Prepare(ConfigDocument config, TrainingOverrides? overrides, TextWriter console)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(console);
        overrides ??= new TrainingOverrides();

        // Everything the run needs is checked and built before the work dir or a log line appears: bad input fails
        // with its error alone and leaves nothing behind.
        TrainingConfig settings = Bind(config);
        string workDir = FilePaths.RequireFolder(overrides.WorkDir ?? settings.WorkDir
                                                 ?? Path.Combine("work_dirs", Path.GetFileNameWithoutExtension(config.Path)),
                                                 overrides.WorkDir is not null ? "--work-dir" : "workDir");
        long seed = overrides.Seed ?? settings.Seed ?? 0;
        bool deterministic = overrides.Deterministic ?? settings.Deterministic;
        Device device = Devices.Parse(overrides.Device ?? settings.Device, overrides.Device is null ? "device" : "--device");
        string? resumeFrom = overrides.ResumeFrom ?? settings.ResumeFrom;
        if (resumeFrom == LatestKeyword)
        {
            resumeFrom = CheckpointFiles.Latest(workDir);
        }

        string? loadFrom = overrides.LoadFrom ?? settings.LoadFrom;
        RequireFile(config, resumeFrom, "resumeFrom", fromOption: overrides.ResumeFrom is not null);
        RequireFile(config, loadFrom, "loadFrom", fromOption: overrides.LoadFrom is not null);
        ValidateQatStart(settings.QatStart);
        DataConfig data = BindData(config, settings);
        IProcessGroup group = overrides.ProcessGroup ?? SingleProcessGroup.Instance;
        if (group.Size > 1 && device.type == DeviceType.CUDA && device.index < 0)
        {
            // "cuda" with several processes on a machine: each takes its own GPU, as PyTorch's launcher does.
            device = new Device(DeviceType.CUDA, MpiProcessGroup.LocalRank % Math.Max(1, torch.cuda.device_count()));
        }

        var disposables = new List<IDisposable>();
        bool madeWorkDir = false;
        try
        {
            ImageDataset train = Limit(BuildDataset(config, data.Train, "data:train"), overrides.MaxTrainSamples);
            ImageDataset? val = overrides.NoValidate || settings.Evaluation.Interval == 0
                ? null
                : Limit(BuildDataset(config, data.Val, "data:val"), overrides.MaxValSamples);
            // As the reference's set_random_seed before build_classifier: the initial weights follow the seed too.
            torch.manual_seed(seed);
            (ImageClassifier model, QuantizationReport? report) = Build(config, overrides.Policy);
            disposables.Add(model);
            model.Classes = train.Classes;
            model.to(device);

            // Rank 0 writes the work directory and the log; the other processes train silently.
            TrainingLog log;
            if (group.Rank == 0)
            {
                madeWorkDir = !Directory.Exists(workDir);
                Directory.CreateDirectory(workDir);
                config.Save(Path.Combine(workDir, Path.GetFileName(config.Path)));
                log = new TrainingLog(console, workDir, DateTimeOffset.Now) { Interactive = !Console.IsOutputRedirected && console == Console.Out };
            }
            else
            {
                log = new TrainingLog(TextWriter.Null, null, DateTimeOffset.Now);
            }

            disposables.Add(log);
            log.Info($"Start running, host: {Environment.UserName}@{Environment.MachineName}, work_dir: {workDir}");
            log.Info($"Environment info:\n{TorchEnvironment.Describe()}");
            string configText = config.ToJson();
            log.Info($"Config:\n{configText}");
            log.Info($"Set random seed to {seed}, deterministic: {deterministic}");
            if (deterministic && device.type == DeviceType.CUDA)
            {
                // TorchSharp 0.107 does not implement use_deterministic_algorithms, so cuDNN may still pick
                // non-deterministic kernels; CPU kernels and the data loader are deterministic regardless.
                log.Warning("deterministic: TorchSharp 0.107 cannot switch CUDA kernels to deterministic ones; results on the GPU may vary slightly.");
            }

            log.JsonLine(new JsonObject { ["qquant_version"] = Checkpoint.CurrentQQuantVersion, ["seed"] = seed, ["config"] = config.Path }.ToJsonString());
            if (report is not null)
            {
                log.Info($"Quantized the model:\n{report}");
            }

            if (resumeFrom is null && loadFrom is not null)
            {
                LoadWeights(model, loadFrom, log);
            }

            TrainingOptimizer optimizer = OptimizerFactory.Create(model, settings.Optimizer);
            disposables.Add(optimizer);
            log.Info("Optimizer: " + string.Join("; ", optimizer.Groups.Select(g =>
                $"{g.Kind} {g.Parameters.Count} tensors (lr x{g.LrMult:0.###}, weight decay x{g.DecayMult:0.###})")));
            var loader = new DataLoader(train, new DataLoaderOptions
            {
                BatchSize = data.SamplesPerGpu, Workers = data.WorkersPerGpu, Shuffle = true, Seed = seed, Device = device,
                Shard = new DataShard(group.Rank, group.Size, Pad: true),
            });
            IEvaluator? evaluator = val is null ? null : new ClassifierEvaluator(
                new DataLoader(val, new DataLoaderOptions
                {
                    BatchSize = data.SamplesPerGpu, Workers = data.WorkersPerGpu, Device = device, Shard = new DataShard(group.Rank, group.Size, Pad: false),
                }),
                settings.Evaluation.Topk) { Group = group };
            var schedule = new LrSchedule(settings.LrConfig, settings.Optimizer.Lr, settings.TotalEpochs, loader.BatchesPerEpoch);
            var options = new TrainerOptions
            {
                TotalEpochs = settings.TotalEpochs,
                LogInterval = settings.LogConfig.Interval,
                CheckpointInterval = settings.CheckpointConfig.Interval,
                EvaluationInterval = settings.Evaluation.Interval,
                GradClip = settings.OptimizerConfig.GradClip,
                WorkDir = workDir,
                Seed = seed,
                ProcessGroup = group,
                SyncBatchNorm = overrides.SyncBatchNorm,
                Meta = new CheckpointMeta
                {
                    Classes = train.Classes,
                    Config = configText,
                    Policy = overrides.Policy?.ToString() ?? config.Section(QuantTransformerKey)?.ToJsonString(),
                },
            };
            IReadOnlyList<KeyValuePair<string, double>>? start = resumeFrom is null && loadFrom is not null && report is not null
                ? StartQat(model, train, data, settings.QatStart, evaluator, group, seed, device, log, overrides.Progress)
                : null;
            var trainer = new Trainer<Batch>(new ClassificationTask(model, loader), optimizer, schedule, options, log, evaluator);
            if (resumeFrom is not null)
            {
                trainer.ResumeFrom(resumeFrom);
            }

            return new TrainingRun(model, report, workDir, log, trainer, disposables) { StartMetrics = start };
        }
        catch
        {
            for (int i = disposables.Count - 1; i >= 0; i--)
            {
                disposables[i].Dispose();
            }

            if (madeWorkDir)
            {
                // A run that failed before its first step leaves no work dir behind (the log said why on the console).
                TryDeleteFolder(workDir);
            }

            throw;
        }
    }

    /// <summary>
    /// Builds the config's classifier and quantizes it with <paramref name="policy"/> or, when that is null, the
    /// config's <c>quantTransformer</c> (see <see cref="ClassifierFactory.Build"/>); errors name the file.
    /// </summary>
    public (ImageClassifier Model, QuantizationReport? Report) Build(ConfigDocument config, QuantPolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        return InFile(config, () =>
        {
            if (policy is null)
            {
                return _factory.Build(config.ToConfiguration());
            }

            if (config.Section(QuantTransformerKey) is not null)
            {
                throw new QQuantException($"'{config.Path}' has a quantTransformer section and a policy was given too: use one of them.");
            }

            (ImageClassifier model, _) = _factory.Build(config.ToConfiguration());
            try
            {
                return (model, model.Quantize(policy));
            }
            catch
            {
                model.Dispose();
                throw;
            }
        });
    }

    /// <summary>Builds the dataset of <paramref name="section"/> (<paramref name="key"/> names it in errors).</summary>
    public ImageDataset BuildDataset(ConfigDocument config, IConfiguration? section, string key)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (section is null)
        {
            throw new ComponentConfigurationException($"'{config.Path}'", [$"{key}: the dataset section is missing (type, dataPrefix, pipeline)"]);
        }

        return InFile(config, () => _components.Build<ImageDataset>(section));
    }

    /// <summary>Binds the config's <c>data</c> section.</summary>
    public DataConfig BindData(ConfigDocument config, TrainingConfig settings)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Data is null)
        {
            throw new ComponentConfigurationException($"'{config.Path}'", ["data: the section is missing (samplesPerGpu, workersPerGpu, train, val, test)"]);
        }

        DataConfig data = InFile(config, () => _components.BindOptions<DataConfig>(settings.Data));
        List<string> problems = [];
        if (data.SamplesPerGpu < 1)
        {
            problems.Add($"data:samplesPerGpu: must be at least 1 (samples in a batch), got {data.SamplesPerGpu}");
        }

        if (data.WorkersPerGpu < 0)
        {
            problems.Add($"data:workersPerGpu: must be 0 (load on the training thread) or more, got {data.WorkersPerGpu}");
        }

        return problems.Count == 0 ? data : throw new ComponentConfigurationException($"'{config.Path}'", problems);
    }

    // The binder knows key paths but not files: its problems are reported again under the config's file name.
    private static T InFile<T>(ConfigDocument config, Func<T> bind)
    {
        try
        {
            return bind();
        }
        catch (ComponentConfigurationException e)
        {
            throw new ComponentConfigurationException($"'{config.Path}'", e.Problems);
        }
    }

    private static void ValidateQatStart(QatStartConfig start)
    {
        if (start.CalibrationBatches < 0 || start.BatchNormBatches < 0)
        {
            throw new QQuantException(
                $"qatStart: calibrationBatches and batchNormBatches must be 0 or more, got {start.CalibrationBatches} and {start.BatchNormBatches}.");
        }

        if (start.BatchNormBatches > 0 && start.CalibrationBatches == 0)
        {
            throw new QQuantException(
                "qatStart:batchNormBatches needs qatStart:calibrationBatches: the quantized model can only run once its quantizers are calibrated.");
        }
    }

    /// <summary>The <c>resumeFrom</c> value that names the work dir's <c>latest.ckpt</c>.</summary>
    public const string LatestKeyword = "latest";

    private static void RequireFile(ConfigDocument config, string? path, string key, bool fromOption)
    {
        if (path is null || File.Exists(path))
        {
            return;
        }

        string problem = $"'{Path.GetFullPath(path)}' does not exist";
        throw fromOption
            ? new QQuantException($"--{KebabCase(key)}: {problem}.")
            : new ConfigFileException(config.Path, key, problem);
    }

    private static string KebabCase(string key) => string.Concat(key.Select(c => char.IsUpper(c) ? $"-{char.ToLowerInvariant(c)}" : $"{c}"));

    private static void TryDeleteFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The run's own error matters more than a folder that could not be removed.
        }
    }

    private static ImageDataset Limit(ImageDataset dataset, int? count) => count is { } n ? new DatasetSlice(dataset, n) : dataset;

    // Calibration, BatchNorm re-estimation and the start's evaluation (qatStart), on batches of a loader of their own
    // so the training loader's order is what it would be without them.
    private static IReadOnlyList<KeyValuePair<string, double>>? StartQat(
        ImageClassifier model, ImageDataset train, DataConfig data, QatStartConfig start, IEvaluator? evaluator,
        IProcessGroup group, long seed, Device device, TrainingLog log, IProgress<ProgressStep>? progress)
    {
        if (start.CalibrationBatches == 0)
        {
            return null;
        }

        var loader = new DataLoader(train, new DataLoaderOptions
        {
            BatchSize = data.SamplesPerGpu, Workers = data.WorkersPerGpu, Shuffle = true, Seed = seed, Device = device,
            Shard = new DataShard(group.Rank, group.Size, Pad: true),
        });
        void Forward(Batch batch)
        {
            using (batch)
            {
                model.call(batch.Images).Dispose();
            }
        }

        // Both passes stream the loader's first batches, loading them twice rather than holding them all on the device.
        CalibrationSummary calibration = QuantCalibration.Calibrate(model, FirstBatches(loader, start.CalibrationBatches), Forward, progress: progress);
        log.Info($"qatStart: calibrated {calibration.Quantizers} quantizers on {calibration.Batches} training batches");
        if (start.BatchNormBatches > 0)
        {
            BatchNormSummary norms = BatchNormReestimation.Reestimate(model, FirstBatches(loader, start.BatchNormBatches), Forward, progress);
            log.Info($"qatStart: re-estimated the statistics of {norms.Layers} BatchNorm layers on {norms.Batches} training batches");
        }

        if (group.Size > 1)
        {
            // Each process calibrated on its own shard: all take rank 0's state, as the trainer does at its start.
            group.BroadcastState(model);
        }

        if (!start.Evaluate || evaluator is null)
        {
            return null;
        }

        bool training = model.training;
        IReadOnlyList<KeyValuePair<string, double>> metrics = evaluator.Evaluate(model);
        model.train(training);
        log.Info("qatStart: before the first step, " + string.Join(", ", metrics.Select(m =>
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{m.Key}: {m.Value:0.00}"))));
        return metrics;
    }

    // The loader's first batches, with their count known before any is loaded (so progress reports know the total).
    private static CountedBatches FirstBatches(DataLoader loader, int count) =>
        new(loader.Take(count), Math.Min(count, loader.BatchesPerEpoch));

    private sealed class CountedBatches(IEnumerable<Batch> batches, int count) : IEnumerable<Batch>, System.Collections.ICollection
    {
        public int Count => count;

        public bool IsSynchronized => false;

        public object SyncRoot => this;

        public void CopyTo(Array array, int index) => throw new NotSupportedException();

        public IEnumerator<Batch> GetEnumerator() => batches.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private static void LoadWeights(ImageClassifier model, string path, TrainingLog log)
    {
        log.Info($"load checkpoint from {path}");
        StateDictLoadReport report;
        if (Checkpoint.IsCheckpoint(path))
        {
            using Checkpoint checkpoint = Checkpoint.Load(path);
            report = checkpoint.LoadInto(model, strict: false);
        }
        else
        {
            report = PretrainedWeights.Load(model, path, WeightLayout.Auto, strict: false);
        }

        if (report.ShapeMismatched.Count > 0)
        {
            throw new StateDictMismatchException(report);
        }

        if (report.MissingQuantizerState.Count > 0)
        {
            log.Info($"{report.MissingQuantizerState.Count} quantizer tensors are not in {path} (expected for a float checkpoint): "
                     + "they are initialised by qatStart's calibration, or from the first training batch.");
        }

        if (report.Missing.Count > 0 || report.Unexpected.Count > 0)
        {
            log.Warning(report.ToString());
        }
    }
}
