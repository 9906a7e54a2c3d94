namespace QQuant.Vision;

/// <summary>
/// A labelled image dataset: <see cref="Count"/> samples, the class names, and a pipeline of transforms that turns a
/// raw sample into a training-ready one. Built from configuration by its <c>type</c> (<c>ImageNet</c>,
/// <c>CIFAR10</c>, <c>FashionMNIST</c>, ...) or from code.
/// </summary>
public abstract class ImageDataset
{
    /// <summary>Creates the dataset with the transforms it applies to every sample.</summary>
    protected ImageDataset(IReadOnlyList<ITransform>? pipeline) => Pipeline = new Compose(pipeline ?? []);

    /// <summary>The number of samples.</summary>
    public abstract int Count { get; }

    /// <summary>The class names, indexed by label (<c>CLASSES</c>).</summary>
    public abstract IReadOnlyList<string> Classes { get; }

    /// <summary>The transforms applied by <see cref="Get"/>.</summary>
    public Compose Pipeline { get; }

    /// <summary>The label of sample <paramref name="index"/>, without loading its image.</summary>
    public abstract int LabelOf(int index);

    /// <summary>The raw sample <paramref name="index"/>: its file name or decoded image, and its label.</summary>
    public abstract Sample Load(int index);

    /// <summary>
    /// Sample <paramref name="index"/> after the pipeline; <paramref name="random"/> drives the random transforms, so
    /// the same seed gives the same sample.
    /// </summary>
    public Sample Get(int index, Random random)
    {
        if ((uint)index >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The dataset has {Count} samples.");
        }

        Sample sample = Load(index);
        try
        {
            return Pipeline.Apply(sample, random);
        }
        catch
        {
            sample.Dispose();
            throw;
        }
    }
}
