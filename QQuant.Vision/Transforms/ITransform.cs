namespace QQuant.Vision;

/// <summary>
/// One step of a data pipeline (<c>LoadImageFromFile</c>, <c>RandomResizedCrop</c>, <c>Normalize</c>, ...). It
/// changes the sample in place or returns a new one; random steps draw only from the <see cref="Random"/> passed in, so a
/// seed reproduces them.
/// </summary>
public interface ITransform
{
    /// <summary>Applies the step to <paramref name="sample"/> and returns the result.</summary>
    Sample Apply(Sample sample, Random random);
}
