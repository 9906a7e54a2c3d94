using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// A classifier ready to predict (the reference's <c>init_model</c> + <c>inference_model</c>): built from a config,
/// quantized by its policy, loaded from a checkpoint, on its device, in evaluation mode, with the config's test
/// pipeline. Create it with <see cref="ClassifierFactory.OpenForInference(string, string?, InferenceOptions?)"/>.
/// </summary>
public sealed class ClassifierInference : IDisposable
{
    private readonly IReadOnlyList<ITransform> _pipeline;
    private readonly IReadOnlyList<ITransform> _pipelineForImages;

    internal ClassifierInference(ImageClassifier model, IReadOnlyList<ITransform> pipeline, IReadOnlyList<string> classes, Device device)
    {
        Model = model;
        Classes = classes;
        Device = device;
        _pipeline = pipeline;
        // An image in memory is already decoded: the loading step of a file pipeline is skipped for it.
        _pipelineForImages = [.. pipeline.SkipWhile(t => t is LoadImageFromFile)];
    }

    /// <summary>The classifier, in evaluation mode on <see cref="Device"/>.</summary>
    public ImageClassifier Model { get; }

    /// <summary>The class names predictions use.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Where the model runs.</summary>
    public Device Device { get; }

    /// <summary>Classifies the image file at <paramref name="imagePath"/>.</summary>
    public Prediction Predict(string imagePath) => Predict([imagePath])[0];

    /// <summary>Classifies an image already in memory (it is copied, not changed).</summary>
    public Prediction Predict(Image image) => Predict([image])[0];

    /// <summary>Classifies image files in one batch.</summary>
    public IReadOnlyList<Prediction> Predict(IReadOnlyList<string> imagePaths) => Run(Files(imagePaths));

    /// <summary>Classifies images already in memory in one batch.</summary>
    public IReadOnlyList<Prediction> Predict(IReadOnlyList<Image> images) =>
        Run(new InferenceDataset(images.Select(i => (Func<Sample>)(() => new Sample { Image = Copy(i) })).ToList(), _pipelineForImages, Classes));

    /// <summary>
    /// The image files through the test pipeline as one batch on <see cref="Device"/>, exactly what
    /// <see cref="Predict(IReadOnlyList{string})"/> feeds the model; the caller owns the tensor.
    /// </summary>
    public Tensor Preprocess(IReadOnlyList<string> imagePaths)
    {
        ArgumentNullException.ThrowIfNull(imagePaths);
        if (imagePaths.Count == 0)
        {
            throw new ArgumentException("There is no image to preprocess.", nameof(imagePaths));
        }

        using Batch batch = OneBatch(Files(imagePaths));
        return batch.Images.clone();
    }

    /// <summary>Disposes the model.</summary>
    public void Dispose() => Model.Dispose();

    private IReadOnlyList<Prediction> Run(InferenceDataset inputs)
    {
        if (inputs.Count == 0)
        {
            return [];
        }

        using var scope = NewDisposeScope();
        using Batch batch = OneBatch(inputs);
        using IDisposable noGrad = no_grad();
        return Prediction.FromLogits(Model.call(batch.Images), Classes);
    }

    private InferenceDataset Files(IReadOnlyList<string> imagePaths) =>
        new(imagePaths.Select(p => (Func<Sample>)(() => new Sample { FileName = p })).ToList(), _pipeline, Classes);

    /// <summary>All of <paramref name="inputs"/> collated into one batch on <see cref="Device"/>.</summary>
    private Batch OneBatch(InferenceDataset inputs) =>
        new DataLoader(inputs, new DataLoaderOptions { BatchSize = inputs.Count, Device = Device }).Epoch(0).Single();

    private static Image Copy(Image image) => image is Image<L8> grey ? grey.Clone() : image.CloneAs<Rgb24>();

    /// <summary>The inputs of one call, as a dataset so the loader collates them like training batches.</summary>
    private sealed class InferenceDataset(IReadOnlyList<Func<Sample>> inputs, IReadOnlyList<ITransform> pipeline, IReadOnlyList<string> classes)
        : ImageDataset(pipeline)
    {
        public override int Count => inputs.Count;

        public override IReadOnlyList<string> Classes => classes;

        public override int LabelOf(int index) => -1;

        public override Sample Load(int index) => inputs[index]();
    }
}
