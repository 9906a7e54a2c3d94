using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// Builds image classifiers from a config the way the reference's tools do: the <c>model</c> section through the
/// component registry, then the <c>quantTransformer</c> policy if the config has one; and opens a classifier for
/// inference from a config and a checkpoint. <c>services.AddQQuant().AddQuantizers().AddVision()</c> registers it.
/// </summary>
public sealed class ClassifierFactory
{
    private readonly ComponentRegistry _components;
    private readonly QuantLayerRegistry _layers;

    /// <summary>Creates the factory over the registries that name components and quantized layers.</summary>
    public ClassifierFactory(ComponentRegistry components, QuantLayerRegistry layers)
    {
        _components = components;
        _layers = layers;
    }

    /// <summary>
    /// Builds the classifier of <paramref name="config"/>'s <c>model</c> section and applies its
    /// <c>quantTransformer</c> (or <c>quant_transformer</c>) policy when present.
    /// </summary>
    /// <returns>The classifier and the quantization report (null when the config has no policy).</returns>
    /// <exception cref="ComponentConfigurationException">The model section does not build.</exception>
    /// <exception cref="QuantConfigurationException">The policy does not bind.</exception>
    /// <exception cref="QuantizationException">The policy does not fit the model.</exception>
    public (ImageClassifier Model, QuantizationReport? Report) Build(IConfiguration config)
    {
        IConfigurationSection model = ConfigFile.Section(config, "model")
            ?? throw new ComponentConfigurationException(Where(config), ["the 'model' section is missing"]);
        var classifier = _components.Build<ImageClassifier>(model);
        if (ConfigFile.Section(config, "quantTransformer") is not { } quantization)
        {
            return (classifier, null);
        }

        try
        {
            return (classifier, classifier.Quantize(QuantPolicy.FromConfiguration(quantization, _layers)));
        }
        catch
        {
            classifier.Dispose();
            throw;
        }
    }

    /// <summary>Opens the classifier described by the JSON config at <paramref name="configPath"/> for inference.</summary>
    /// <inheritdoc cref="OpenForInference(IConfiguration, string?, InferenceOptions?)" />
    public ClassifierInference OpenForInference(string configPath, string? checkpointPath, InferenceOptions? options = null) =>
        OpenForInference(ConfigFile.Load(configPath), checkpointPath, options);

    /// <summary>
    /// Builds and quantizes the classifier of <paramref name="config"/>, loads <paramref name="checkpointPath"/>
    /// (a QQuant checkpoint, or a plain state-dict file), takes the class names from the checkpoint's <c>CLASSES</c>
    /// (ImageNet's 1000 names with a logged warning when it has none and the head has 1000 classes), moves it to the
    /// device and sets evaluation mode. Images go through the config's <c>data.test.pipeline</c>, with a
    /// <c>LoadImageFromFile</c> in front when the pipeline does not start with one (grey for one-channel models), as
    /// the reference's <c>inference_model</c> does.
    /// </summary>
    /// <param name="config">The whole config: <c>model</c>, optional <c>quantTransformer</c>, <c>data.test.pipeline</c>.</param>
    /// <param name="checkpointPath">The trained weights, or null to keep the fresh ones (quantizers then refuse to evaluate).</param>
    /// <param name="options">Device, strictness, class names, logger.</param>
    /// <exception cref="QQuantException">The config, the checkpoint or the class names do not fit; the message says which.</exception>
    public ClassifierInference OpenForInference(IConfiguration config, string? checkpointPath, InferenceOptions? options = null)
    {
        options ??= new InferenceOptions();
        ILogger logger = options.Logger ?? NullLogger.Instance;
        if (checkpointPath is not null && !File.Exists(checkpointPath))
        {
            // Named before the model is built, and as a missing file rather than by the extension it cannot be read by.
            throw new CheckpointFileException(checkpointPath, $"The checkpoint '{Path.GetFullPath(checkpointPath)}' does not exist.");
        }

        IReadOnlyList<ITransform> testPipeline = TestPipeline(config);
        (ImageClassifier model, _) = Build(config);
        try
        {
            IReadOnlyList<ITransform> pipeline = WithFileLoading(testPipeline, model.Backbone.InChannels);
            IReadOnlyList<string>? checkpointClasses = checkpointPath is null ? null : LoadWeights(model, checkpointPath, options.Strict, logger);
            IReadOnlyList<string> classes = ChooseClasses(options.Classes ?? checkpointClasses, model.Head.NumClasses, checkpointPath, logger);
            Device device = options.Device ?? CPU;
            model.to(device);
            model.eval();
            model.Classes = classes;
            return new ClassifierInference(model, pipeline, classes, device);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens an ONNX model written by <c>qquant export</c> for classification with ONNX Runtime alone: its class names
    /// and test pipeline come from the model's metadata (a <c>LoadImageFromFile</c> is put in front as for
    /// <see cref="OpenForInference(IConfiguration, string?, InferenceOptions?)"/>).
    /// </summary>
    /// <exception cref="QQuantException">The file is not an ONNX model, or its metadata lacks the class names or the pipeline.</exception>
    public OnnxClassifier OpenOnnx(string path)
    {
        OnnxClassifier classifier = OnnxClassifier.Load(path);
        try
        {
            string Required(string key) => classifier.Metadata.TryGetValue(key, out string? value)
                ? value
                : throw new QQuantException($"The ONNX model '{path}' has no '{key}' metadata; export it with qquant export (or OnnxExportOptions.Metadata).");
            IReadOnlyList<string> classes = System.Text.Json.JsonSerializer.Deserialize<string[]>(Required(OnnxClassifier.ClassesKey))
                ?? throw new QQuantException($"The ONNX model '{path}' has empty '{OnnxClassifier.ClassesKey}' metadata.");
            int inChannels = int.Parse(Required(OnnxClassifier.InChannelsKey), System.Globalization.CultureInfo.InvariantCulture);
            string json = $"{{\"data\": {{\"test\": {{\"pipeline\": {Required(OnnxClassifier.PipelineKey)}}}}}}}";
            IConfiguration config = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build();
            classifier.Preprocessing = new ImageBatches(WithFileLoading(TestPipeline(config), inChannels), classes, CPU);
            return classifier;
        }
        catch
        {
            classifier.Dispose();
            throw;
        }
    }

    private static IReadOnlyList<string>? LoadWeights(ImageClassifier model, string path, bool strict, ILogger logger)
    {
        StateDictLoadReport report;
        IReadOnlyList<string>? classes = null;
        if (Checkpoint.IsCheckpoint(path))
        {
            using Checkpoint checkpoint = Checkpoint.Load(path);
            try
            {
                report = checkpoint.LoadInto(model, strict);
            }
            catch (StateDictMismatchException e) when (IsFloatCheckpoint(e.Report))
            {
                throw FloatCheckpointError(path, e.Report, e);
            }

            classes = checkpoint.Meta.Classes;
        }
        else
        {
            report = PretrainedWeights.Load(model, path, WeightLayout.Auto, strict);
            if (strict && report.MissingQuantizerState.Count > 0)
            {
                throw FloatCheckpointError(path, report, null);
            }
        }

        if (!report.IsExactMatch)
        {
            logger.LogWarning("{Report}", report.ToString());
        }

        return classes;
    }

    /// <summary>True when a refused strict load lacks only quantizer state: a float checkpoint for a quantized model.</summary>
    internal static bool IsFloatCheckpoint(StateDictLoadReport report) =>
        report.MissingQuantizerState.Count > 0 && report.Missing.Count == 0 && report.Unexpected.Count == 0 && report.ShapeMismatched.Count == 0;

    /// <summary>The one-line error for a float checkpoint opened with a quantized config.</summary>
    internal static QQuantException FloatCheckpointError(string path, StateDictLoadReport report, Exception? inner)
    {
        string message = $"'{path}' holds no state for the quantizers ({report.MissingQuantizerState.Count} keys, such as "
                         + $"'{report.MissingQuantizerState[0]}'): it is a float checkpoint, so the quantized model cannot evaluate. "
                         + "Fine-tune or calibrate the quantized model and save a checkpoint, or open the config without its quantTransformer.";
        return inner is null ? new QQuantException(message) : new QQuantException(message, inner);
    }

    private static IReadOnlyList<string> ChooseClasses(IReadOnlyList<string>? classes, int numClasses, string? checkpointPath, ILogger logger)
    {
        if (classes is null)
        {
            if (numClasses != ImageNetClasses.Count)
            {
                throw new QQuantException(
                    $"{(checkpointPath is null ? "No checkpoint was given" : $"The checkpoint '{checkpointPath}' has no CLASSES")} and the head has "
                    + $"{numClasses} classes, so ImageNet's {ImageNetClasses.Count} names do not fit; pass InferenceOptions.Classes "
                    + "or save the checkpoint with its dataset's classes.");
            }

            logger.LogWarning("Class names are not saved in {Checkpoint}; using ImageNet's 1000 names.", checkpointPath ?? "the (missing) checkpoint");
            return ImageNetClasses.Names;
        }

        if (classes.Count != numClasses)
        {
            throw new QQuantException($"There are {classes.Count} class names for a head of {numClasses} classes"
                                      + (checkpointPath is null ? "." : $" (checkpoint '{checkpointPath}')."));
        }

        return classes;
    }

    // As the reference's inference_model: a test pipeline written for in-memory data (Fashion-MNIST, CIFAR) gets a
    // LoadImageFromFile in front, grey for one-channel models, so files can be classified with the same config.
    private static IReadOnlyList<ITransform> WithFileLoading(IReadOnlyList<ITransform> pipeline, int inChannels)
    {
        if (pipeline.Count > 0 && pipeline[0] is LoadImageFromFile)
        {
            return pipeline;
        }

        var load = new LoadImageFromFile(new LoadImageFromFileOptions { ColorType = inChannels == 1 ? ColorType.Grayscale : ColorType.Color });
        return [load, .. pipeline];
    }

    private IReadOnlyList<ITransform> TestPipeline(IConfiguration config)
    {
        IConfigurationSection? test = ConfigFile.Section(config, "data") is { } data ? ConfigFile.Section(data, "test") : null;
        IConfigurationSection? pipeline = test is null ? null : ConfigFile.Section(test, "pipeline");
        if (pipeline is null)
        {
            throw new ComponentConfigurationException(Where(config), ["the 'data:test:pipeline' list is missing: inference needs the test pipeline"]);
        }

        return _components.BuildPipeline(pipeline).Transforms;
    }

    private static string Where(IConfiguration config) => config is IConfigurationSection s ? $"'{s.Path}'" : "the configuration";
}
