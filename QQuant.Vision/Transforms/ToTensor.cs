namespace QQuant.Vision;

/// <summary>
/// Makes the named keys ready for batching, the counterpart of mmcls's <c>ToTensor</c> without a tensor per sample:
/// <c>gt_label</c> must be set (it is already an integer); <c>img</c> becomes float pixels in the current layout
/// (use <see cref="ImageToTensor"/> for CHW).
/// </summary>
public sealed class ToTensor : ITransform
{
    private readonly string[] _keys;

    /// <summary>Creates the step; keys are <c>img</c> and <c>gt_label</c>.</summary>
    public ToTensor(ToTensorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _keys = SampleKeys.Check(options.Keys, SampleKeys.All);
    }

    /// <inheritdoc />
    public Sample Apply(Sample sample, Random random)
    {
        foreach (string key in _keys)
        {
            if (key == SampleKeys.Image)
            {
                SampleImages.EnsurePixels(sample, nameof(ToTensor));
            }
            else if (sample.Label < 0)
            {
                throw new TransformException($"ToTensor: {SampleImages.NameOf(sample)} has no gt_label (Label is {sample.Label}).");
            }
        }

        return sample;
    }
}
