using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Processing;

namespace QQuant.Vision;

/// <summary>
/// Mirrors the image with probability <c>flipProb</c> (one draw per sample) and records meta <c>flip</c> and
/// <c>flip_direction</c>. Works on the decoded image or on HWC float pixels.
/// </summary>
public sealed class RandomFlip : ITransform
{
    private readonly RandomFlipOptions _options;

    /// <summary>Creates the step.</summary>
    public RandomFlip(RandomFlipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.FlipProb >= 0 && options.FlipProb <= 1))
        {
            throw new ArgumentException($"flipProb must be between 0 and 1, got {options.FlipProb}.");
        }

        if (!Enum.IsDefined(options.Direction))
        {
            throw new ArgumentException($"direction must be horizontal or vertical, got {options.Direction}.");
        }

        _options = options;
    }

    /// <inheritdoc />
    public Sample Apply(Sample sample, Random random)
    {
        bool flip = random.NextDouble() < _options.FlipProb;
        sample.Meta[MetaKeys.Flip] = flip;
        sample.Meta[MetaKeys.FlipDirection] = _options.Direction == FlipDirection.Horizontal ? "horizontal" : "vertical";
        if (!flip)
        {
            return sample;
        }

        if (sample.Image is { } image)
        {
            image.Mutate(x => x.Flip(_options.Direction == FlipDirection.Horizontal ? FlipMode.Horizontal : FlipMode.Vertical));
        }
        else
        {
            PixelBuffer pixels = Resampling.HwcPixels(sample, nameof(RandomFlip));
            float[] data = HwcOps.Flip(pixels.Data, pixels.Height, pixels.Width, pixels.Channels, _options.Direction);
            sample.Pixels = new PixelBuffer(data, pixels.Channels, pixels.Height, pixels.Width, PixelLayout.Hwc);
        }

        return sample;
    }
}
