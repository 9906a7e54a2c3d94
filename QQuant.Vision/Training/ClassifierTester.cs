using QQuant.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// The reference's <c>tools/test.py</c>: builds the config's (quantized) classifier, loads a checkpoint strictly,
/// and measures top-k accuracy over the config's <c>data.test</c> split, optionally keeping every prediction.
/// </summary>
public sealed class ClassifierTester
{
    private const string ProgressStage = "test";

    private readonly ClassifierTrainer _trainer;

    /// <summary>Creates the tester over the trainer that builds models and datasets from configs.</summary>
    public ClassifierTester(ClassifierTrainer trainer) => _trainer = trainer;

    /// <summary>Evaluates <paramref name="checkpointPath"/> on the test split of <paramref name="config"/>.</summary>
    /// <param name="config">The resolved config.</param>
    /// <param name="checkpointPath">A QQuant checkpoint of this config's model.</param>
    /// <param name="device">Where to run; null for the CPU.</param>
    /// <param name="keepPredictions">Also return each sample's label, score and class.</param>
    /// <param name="maxSamples">Evaluate the first this many samples only, or null.</param>
    /// <param name="progress">Told of each batch evaluated (stage <c>test</c>; see <see cref="ProgressStep"/>), or null.</param>
    /// <exception cref="QQuantException">The config, the data or the checkpoint do not fit.</exception>
    public TestResult Test(
        ConfigDocument config, string checkpointPath, Device? device = null, bool keepPredictions = false, int? maxSamples = null, IProgress<ProgressStep>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!File.Exists(checkpointPath))
        {
            // Named before the test split is read or the model built.
            throw new CheckpointFileException(checkpointPath, $"The checkpoint '{Path.GetFullPath(checkpointPath)}' does not exist.");
        }

        TrainingConfig settings = _trainer.Bind(config);
        DataConfig data = _trainer.BindData(config, settings);
        ImageDataset dataset = _trainer.BuildDataset(config, data.Test, "data:test");
        if (maxSamples is { } n)
        {
            dataset = new DatasetSlice(dataset, n);
        }

        device ??= CPU;
        (ImageClassifier model, _) = _trainer.Build(config);
        using (model)
        {
            using (Checkpoint checkpoint = Checkpoint.Load(checkpointPath))
            {
                try
                {
                    checkpoint.LoadInto(model, strict: true);
                }
                catch (StateDictMismatchException e) when (ClassifierFactory.IsFloatCheckpoint(e.Report))
                {
                    throw ClassifierFactory.FloatCheckpointError(checkpointPath, e.Report, e);
                }
            }

            model.to(device);
            var loader = new DataLoader(dataset, new DataLoaderOptions { BatchSize = data.SamplesPerGpu, Workers = data.WorkersPerGpu, Device = device });
            var predictions = new List<Prediction>();
            int batches = 0;
            progress?.Report(new ProgressStep(ProgressStage, 0, loader.BatchesPerEpoch));
            var evaluator = new ClassifierEvaluator(loader, settings.Evaluation.Topk)
            {
                OnBatch = logits =>
                {
                    if (keepPredictions)
                    {
                        predictions.AddRange(Prediction.FromLogits(logits, dataset.Classes));
                    }

                    progress?.Report(new ProgressStep(ProgressStage, ++batches, loader.BatchesPerEpoch));
                },
            };
            IReadOnlyList<KeyValuePair<string, double>> metrics = evaluator.Evaluate(model);
            return new TestResult(metrics, dataset.Count, predictions);
        }
    }
}
