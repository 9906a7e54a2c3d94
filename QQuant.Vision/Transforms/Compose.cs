namespace QQuant.Vision;

/// <summary>Applies transforms in order: a whole pipeline, itself a transform.</summary>
public sealed class Compose : ITransform
{
    /// <summary>Creates the pipeline.</summary>
    public Compose(IReadOnlyList<ITransform> transforms) => Transforms = transforms;

    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<ITransform> Transforms { get; }

    /// <inheritdoc />
    public Sample Apply(Sample sample, Random random)
    {
        foreach (ITransform transform in Transforms)
        {
            sample = transform.Apply(sample, random);
        }

        return sample;
    }
}
