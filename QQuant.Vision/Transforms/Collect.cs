namespace QQuant.Vision;

/// <summary>
/// The last step of a pipeline: checks that each key is present (<c>img</c>: float pixels, so put
/// <see cref="ImageToTensor"/> before it; <c>gt_label</c>: a label of 0 or more), drops the fields not listed and
/// keeps only the listed meta entries.
/// </summary>
public sealed class Collect : ITransform
{
    private readonly string[] _keys;
    private readonly HashSet<string> _metaKeys;

    /// <summary>Creates the step; keys are <c>img</c> and <c>gt_label</c>.</summary>
    public Collect(CollectOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _keys = SampleKeys.Check(options.Keys, SampleKeys.All);
        IReadOnlyList<string> metaKeys = options.MetaKeys ?? MetaKeys.CollectDefaults;
        if (metaKeys.FirstOrDefault(string.IsNullOrWhiteSpace) is not null)
        {
            throw new ArgumentException("metaKeys must not contain empty names.");
        }

        _metaKeys = new HashSet<string>(metaKeys, StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public Sample Apply(Sample sample, Random random)
    {
        if (_keys.Contains(SampleKeys.Image))
        {
            if (sample.Pixels is null)
            {
                throw new TransformException(sample.Image is null
                    ? $"Collect: {SampleImages.NameOf(sample)} has no img; put LoadImageFromFile ... ImageToTensor before Collect."
                    : $"Collect: the img of {SampleImages.NameOf(sample)} is still a decoded image; put ImageToTensor (or Normalize) before Collect.");
            }

            sample.ReplaceImage(null);
        }
        else
        {
            sample.ReplaceImage(null);
            sample.Pixels = null;
        }

        if (_keys.Contains(SampleKeys.Label))
        {
            if (sample.Label < 0)
            {
                throw new TransformException($"Collect: {SampleImages.NameOf(sample)} has no gt_label (Label is {sample.Label}).");
            }
        }
        else
        {
            sample.Label = -1;
        }

        foreach (string key in sample.Meta.Keys.Where(k => !_metaKeys.Contains(k)).ToList())
        {
            sample.Meta.Remove(key);
        }

        return sample;
    }
}
