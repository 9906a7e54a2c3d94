namespace QQuant.Vision;

/// <summary>
/// Turns the image into CHW float pixels (HWC → CHW, converting a decoded image to 0..255 floats first), the layout
/// the data loader stacks into a batch tensor; pixels already CHW are left as they are.
/// </summary>
public sealed class ImageToTensor : ITransform
{
    /// <summary>Creates the step; the only key is <c>img</c>.</summary>
    public ImageToTensor(ImageToTensorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        SampleKeys.Check(options.Keys, [SampleKeys.Image]);
    }

    /// <inheritdoc />
    public Sample Apply(Sample sample, Random random)
    {
        PixelBuffer pixels = SampleImages.EnsurePixels(sample, nameof(ImageToTensor));
        if (pixels.Layout == PixelLayout.Chw)
        {
            return sample;
        }

        int channels = pixels.Channels;
        int plane = pixels.Height * pixels.Width;
        var chw = new float[pixels.Data.Length];
        for (int p = 0; p < plane; p++)
        {
            for (int c = 0; c < channels; c++)
            {
                chw[c * plane + p] = pixels.Data[p * channels + c];
            }
        }

        sample.Pixels = new PixelBuffer(chw, channels, pixels.Height, pixels.Width, PixelLayout.Chw);
        return sample;
    }
}
