namespace QQuant.Vision;

/// <summary>
/// Converts the image to float pixels and maps each value to <c>(x − mean[c]) / std[c]</c> on 0..255 values, recording
/// meta <c>img_norm_cfg</c>. The reference reads images as BGR and <c>to_rgb</c> swaps them; ours are RGB already, so
/// <c>toRgb = true</c> keeps RGB and <c>toRgb = false</c> outputs BGR: in both cases the result equals the reference's
/// tensor, and <c>mean[c]</c> / <c>std[c]</c> apply to output channel c. Keeps the layout of existing pixels (HWC or CHW).
/// </summary>
public sealed class Normalize : ITransform
{
    private readonly double[] _mean;
    private readonly double[] _std;
    private readonly bool _toRgb;

    /// <summary>Creates the step; mean and std need the same length and no std may be 0.</summary>
    public Normalize(NormalizeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Mean is not { Count: > 0 } mean || mean.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException($"mean must be one finite number per channel, got {SizeOption.Describe(options.Mean)}.");
        }

        if (options.Std is not { Count: > 0 } std || std.Any(v => !double.IsFinite(v) || v == 0))
        {
            throw new ArgumentException($"std must be one finite, non-zero number per channel, got {SizeOption.Describe(options.Std)}.");
        }

        if (mean.Count != std.Count)
        {
            throw new ArgumentException(
                $"mean and std must have the same length, got mean {SizeOption.Describe(mean)} ({mean.Count}) and std {SizeOption.Describe(std)} ({std.Count}).");
        }

        _mean = [.. mean];
        _std = [.. std];
        _toRgb = options.ToRgb;
    }

    /// <inheritdoc />
    public Sample Apply(Sample sample, Random random)
    {
        PixelBuffer pixels = SampleImages.EnsurePixels(sample, nameof(Normalize));
        int channels = pixels.Channels;
        if (channels != _mean.Length)
        {
            throw new TransformException(
                $"Normalize has {_mean.Length} mean/std values but {SampleImages.NameOf(sample)} has {channels} channel(s); "
                + $"give one per channel ({(channels == 1 ? "grey images need one, e.g. mean [127.5], std [127.5]" : "e.g. mean [123.675, 116.28, 103.53]")}).");
        }

        bool swap = !_toRgb && channels == 3;
        int plane = pixels.Height * pixels.Width;
        float[] source = pixels.Data;
        var result = new float[source.Length];
        for (int c = 0; c < channels; c++)
        {
            int from = swap ? channels - 1 - c : c;
            for (int p = 0; p < plane; p++)
            {
                int target = pixels.Layout == PixelLayout.Hwc ? p * channels + c : c * plane + p;
                int origin = pixels.Layout == PixelLayout.Hwc ? p * channels + from : from * plane + p;
                result[target] = (float)((source[origin] - _mean[c]) / _std[c]);
            }
        }

        sample.Pixels = new PixelBuffer(result, channels, pixels.Height, pixels.Width, pixels.Layout);
        sample.Meta[MetaKeys.ImageNormConfig] = new ImageNormConfig(_mean, _std, _toRgb);
        return sample;
    }
}
