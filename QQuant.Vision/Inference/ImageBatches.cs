using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// Image files or images in memory through a test pipeline, collated into one batch as the data loader collates
/// training batches: the preprocessing of <see cref="ClassifierInference"/> and <see cref="OnnxClassifier"/>.
/// </summary>
internal sealed class ImageBatches
{
    private readonly IReadOnlyList<ITransform> _pipeline;
    private readonly IReadOnlyList<ITransform> _pipelineForImages;

    public ImageBatches(IReadOnlyList<ITransform> pipeline, IReadOnlyList<string> classes, Device device)
    {
        _pipeline = pipeline;
        // An image in memory is already decoded: the loading step of a file pipeline is skipped for it.
        _pipelineForImages = [.. pipeline.SkipWhile(t => t is LoadImageFromFile)];
        Classes = classes;
        Device = device;
    }

    public IReadOnlyList<string> Classes { get; }

    public Device Device { get; }

    /// <summary>The files as one batch; the caller disposes it.</summary>
    public Batch Files(IReadOnlyList<string> paths) =>
        OneBatch(new InferenceDataset([.. paths.Select(p => (Func<Sample>)(() => new Sample { FileName = p }))], _pipeline, Classes));

    /// <summary>Copies of the images as one batch; the caller disposes it.</summary>
    public Batch Images(IReadOnlyList<Image> images) =>
        OneBatch(new InferenceDataset([.. images.Select(i => (Func<Sample>)(() => new Sample { Image = Copy(i) }))], _pipelineForImages, Classes));

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
