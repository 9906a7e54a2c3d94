using QQuant.Analysis;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision.Analysis;

/// <summary>
/// The reference's model analysis tool for classifiers: opens both models from their configs and checkpoints
/// (strictly, so a checkpoint that does not fit its config is an error), prepares the inputs and runs
/// <see cref="ModelAnalysis"/> and, if asked, <see cref="SensitivityAnalysis"/>.
/// </summary>
public sealed class ClassifierAnalyzer
{
    private readonly ClassifierFactory _factory;
    private readonly ClassifierTrainer _trainer;

    /// <summary>Creates the analyzer over the services that build classifiers and datasets from configs.</summary>
    public ClassifierAnalyzer(ClassifierFactory factory, ClassifierTrainer trainer)
    {
        _factory = factory;
        _trainer = trainer;
    }

    /// <summary>Analyses the pair in <paramref name="request"/>.</summary>
    /// <exception cref="QQuantException">A file is missing, a checkpoint does not fit its config, there are no inputs, or
    /// the models have no quantized layer in common; the message names what is wrong.</exception>
    public AnalysisReport Analyze(AnalysisRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Data is null && request.Images.Count == 0)
        {
            throw new ModelAnalysisException("Model analysis needs an image or a config with a data.val split to take images from.");
        }

        foreach (string file in new[] { request.FloatCheckpoint, request.QuantizedCheckpoint }.Concat(request.Images).Where(f => !File.Exists(f)))
        {
            throw new ModelAnalysisException($"'{Path.GetFullPath(file)}' does not exist.");
        }

        // The val split is bound and opened before the models are: a config that cannot give images fails first.
        (ImageDataset Dataset, DataConfig Settings)? valSplit = request.Data is { } data ? OpenValSplit(data, request.Samples) : null;
        var options = new InferenceOptions { Device = request.Device ?? CPU, Strict = true };
        using ClassifierInference floatModel = _factory.OpenForInference(request.FloatConfig.ToConfiguration(), request.FloatCheckpoint, options);
        using ClassifierInference quantizedModel = _factory.OpenForInference(request.QuantizedConfig.ToConfiguration(), request.QuantizedCheckpoint, options);
        using var scope = NewDisposeScope();
        (IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor>? labels, string description) = valSplit is { } split
            ? ValSplit(split.Dataset, split.Settings, request.Data!, options.Device)
            : ([quantizedModel.Preprocess(request.Images)], null, string.Join(", ", request.Images));
        ModelAnalysisResult comparison = ModelAnalysis.Compare(floatModel.Model, quantizedModel.Model, inputs);
        SensitivityResult? sensitivity = request.Sensitivity ? SensitivityAnalysis.Measure(floatModel.Model, quantizedModel.Model, inputs, labels, request.Progress) : null;
        return new AnalysisReport(
            Checkpoint.CurrentQQuantVersion,
            DateTimeOffset.UtcNow,
            $"{request.FloatConfig.Path} + {Path.GetFullPath(request.FloatCheckpoint)}",
            $"{request.QuantizedConfig.Path} + {Path.GetFullPath(request.QuantizedCheckpoint)}",
            description,
            comparison,
            sensitivity);
    }

    private (ImageDataset Dataset, DataConfig Settings) OpenValSplit(ConfigDocument config, int samples)
    {
        if (samples < 1)
        {
            throw new ModelAnalysisException($"The number of samples must be at least 1; got {samples}.");
        }

        DataConfig data = _trainer.BindData(config, _trainer.Bind(config));
        return (new DatasetSlice(_trainer.BuildDataset(config, data.Val, "data:val"), samples), data);
    }

    private static (IReadOnlyList<Tensor> Inputs, IReadOnlyList<Tensor> Labels, string Description) ValSplit(
        ImageDataset dataset, DataConfig data, ConfigDocument config, Device device)
    {
        var loader = new DataLoader(dataset, new DataLoaderOptions { BatchSize = data.SamplesPerGpu, Workers = data.WorkersPerGpu, Device = device });
        var inputs = new List<Tensor>();
        var labels = new List<Tensor>();
        int first = 0;
        foreach (Batch batch in loader.Epoch(0))
        {
            using (batch)
            {
                // The labels come from the dataset, not the batch: a test pipeline collects only the image, so its
                // batches carry -1 for every label. The loader does not shuffle, so each batch holds the next images.
                long[] classes = [.. Enumerable.Range(first, (int)batch.Images.shape[0]).Select(i => (long)dataset.LabelOf(i))];
                first += classes.Length;
                inputs.Add(batch.Images.clone());
                labels.Add(tensor(classes, device: device));
            }
        }

        return (inputs, labels, $"the first {dataset.Count} images of data.val in {config.Path}");
    }
}
