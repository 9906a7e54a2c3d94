using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Processing;
using SixLabors.ImageSharp.Processing.Processors.Transforms;

namespace QQuant.Vision;

/// <summary>The ImageSharp operations behind the geometric transforms.</summary>
internal static class Resampling
{
    public static IResampler Sampler(Interpolation interpolation) => interpolation switch
    {
        Interpolation.Nearest => KnownResamplers.NearestNeighbor,
        Interpolation.Bilinear => KnownResamplers.Triangle,
        Interpolation.Bicubic => KnownResamplers.Bicubic,
        Interpolation.Area => KnownResamplers.Box,
        Interpolation.Lanczos => KnownResamplers.Lanczos3,
        _ => throw new ArgumentOutOfRangeException(nameof(interpolation), interpolation, "Unknown interpolation."),
    };

    /// <summary>Resizes the sample's image to <paramref name="height"/> x <paramref name="width"/>; a no-op when it already is.</summary>
    public static void Resize(Sample sample, string transform, int height, int width, Interpolation interpolation)
    {
        Image image = SampleImages.RequireImage(sample, transform);
        if (image.Height != height || image.Width != width)
        {
            image.Mutate(x => x.Resize(new SixLabors.ImageSharp.Processing.ResizeOptions
            {
                Size = new Size(width, height),
                Mode = ResizeMode.Stretch,
                Sampler = Sampler(interpolation),
            }));
        }
    }

    /// <summary>Cuts the rectangle out of the image, or out of HWC float pixels.</summary>
    public static void Crop(Sample sample, string transform, int top, int left, int height, int width)
    {
        if (sample.Image is { } image)
        {
            if (top != 0 || left != 0 || height != image.Height || width != image.Width)
            {
                image.Mutate(x => x.Crop(new Rectangle(left, top, width, height)));
            }

            return;
        }

        PixelBuffer pixels = HwcPixels(sample, transform);
        float[] data = HwcOps.Crop(pixels.Data, pixels.Width, pixels.Channels, top, left, height, width);
        sample.Pixels = new PixelBuffer(data, pixels.Channels, height, width, PixelLayout.Hwc);
    }

    /// <summary>Float pixels in HWC layout, for the steps that also accept <c>LoadImageFromFile(toFloat32)</c>'s output.</summary>
    public static PixelBuffer HwcPixels(Sample sample, string transform)
    {
        if (sample.Pixels is { Layout: PixelLayout.Hwc } pixels)
        {
            return pixels;
        }

        if (sample.Pixels is not null)
        {
            throw new TransformException(
                $"{transform} works on HWC images, but {SampleImages.NameOf(sample)} is already CHW (after ImageToTensor); "
                + $"move {transform} before ImageToTensor.");
        }

        SampleImages.RequireImage(sample, transform);
        throw new InvalidOperationException("unreachable");
    }
}
