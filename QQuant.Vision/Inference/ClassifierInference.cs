using SixLabors.ImageSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// A classifier ready to predict (the reference's <c>init_model</c> + <c>inference_model</c>): built from a config,
/// quantized by its policy, loaded from a checkpoint, on its device, in evaluation mode, with the config's test
/// pipeline. Create it with <see cref="ClassifierFactory.OpenForInference(string, string?, InferenceOptions?)"/>.
/// </summary>
/// <remarks>
/// The <c>Predict</c> overloads and <see cref="Preprocess"/> may be called from several threads at once, also while
/// other models train in the same process: each call preprocesses into tensors of its own, and gradient mode and dispose
/// scopes are per thread, so every call returns exactly what the same call returns alone (<c>qquant bench faults --only
/// concurrency</c> checks it). The model must not be changed meanwhile (trained, moved, given other weights).
/// </remarks>
public sealed class ClassifierInference : IDisposable
{
    private readonly ImageBatches _batches;

    internal ClassifierInference(ImageClassifier model, IReadOnlyList<ITransform> pipeline, IReadOnlyList<string> classes, Device device)
    {
        Model = model;
        _batches = new ImageBatches(pipeline, classes, device);
    }

    /// <summary>The classifier, in evaluation mode on <see cref="Device"/>.</summary>
    public ImageClassifier Model { get; }

    /// <summary>The class names predictions use.</summary>
    public IReadOnlyList<string> Classes => _batches.Classes;

    /// <summary>Where the model runs.</summary>
    public Device Device => _batches.Device;

    /// <summary>Classifies the image file at <paramref name="imagePath"/>.</summary>
    public Prediction Predict(string imagePath) => Predict([imagePath])[0];

    /// <summary>Classifies an image already in memory (it is copied, not changed).</summary>
    public Prediction Predict(Image image) => Predict([image])[0];

    /// <summary>Classifies image files in one batch.</summary>
    public IReadOnlyList<Prediction> Predict(IReadOnlyList<string> imagePaths) =>
        imagePaths.Count == 0 ? [] : Run(_batches.Files(imagePaths));

    /// <summary>Classifies images already in memory in one batch.</summary>
    public IReadOnlyList<Prediction> Predict(IReadOnlyList<Image> images) =>
        images.Count == 0 ? [] : Run(_batches.Images(images));

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

        using Batch batch = _batches.Files(imagePaths);
        return batch.Images.clone();
    }

    /// <summary>Disposes the model.</summary>
    public void Dispose() => Model.Dispose();

    private IReadOnlyList<Prediction> Run(Batch batch)
    {
        using (batch)
        {
            using var scope = NewDisposeScope();
            using IDisposable noGrad = no_grad();
            return Prediction.FromLogits(Model.call(batch.Images), Classes);
        }
    }
}
