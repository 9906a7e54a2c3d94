using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace QQuant.Vision;

/// <summary>Moves a sample's pixels between the decoded image and float buffers, and checks what a step needs.</summary>
internal static class SampleImages
{
    public static string NameOf(Sample sample) => sample.FilePath is { } path ? $"'{path}'" : "the sample";

    /// <summary>The decoded image, or an error saying why <paramref name="transform"/> cannot run.</summary>
    public static Image RequireImage(Sample sample, string transform)
    {
        if (sample.Image is { } image)
        {
            return image;
        }

        throw new TransformException(sample.Pixels is null
            ? $"{transform} needs a decoded image, but {NameOf(sample)} has none; put LoadImageFromFile before it."
            : $"{transform} works on the decoded image, but {NameOf(sample)} already holds float pixels (after "
              + $"Normalize, ImageToTensor, ToTensor or LoadImageFromFile with toFloat32 = true); move {transform} before them.");
    }

    /// <summary>1 for <c>Image&lt;L8&gt;</c>, 3 for <c>Image&lt;Rgb24&gt;</c>.</summary>
    public static int Channels(Image image) => image switch
    {
        Image<Rgb24> => 3,
        Image<L8> => 1,
        _ => throw new TransformException(
            $"The transforms work on Image<Rgb24> or Image<L8>, got {image.GetType().Name}; decode with LoadImageFromFile "
            + "or convert with image.CloneAs<Rgb24>()."),
    };

    /// <summary>The current shape of the image or pixels as <c>{ height, width, channels }</c>.</summary>
    public static int[] Shape(Sample sample)
    {
        if (sample.Image is { } image)
        {
            return [image.Height, image.Width, Channels(image)];
        }

        PixelBuffer pixels = sample.Pixels
                             ?? throw new TransformException($"{NameOf(sample)} has neither an image nor pixels.");
        return [pixels.Height, pixels.Width, pixels.Channels];
    }

    public static void RecordShape(Sample sample) => sample.Meta[MetaKeys.ImageShape] = Shape(sample);

    /// <summary>The image's bytes, row by row, channels interleaved (HWC).</summary>
    public static byte[] ToBytes(Image image)
    {
        int channels = Channels(image);
        var bytes = new byte[image.Width * image.Height * channels];
        switch (image)
        {
            case Image<Rgb24> rgb:
                rgb.CopyPixelDataTo(bytes);
                break;
            case Image<L8> grey:
                grey.CopyPixelDataTo(bytes);
                break;
        }

        return bytes;
    }

    /// <summary>An image from HWC bytes with 1 (grey) or 3 (RGB) channels.</summary>
    public static Image FromBytes(byte[] bytes, int height, int width, int channels) => channels == 1
        ? Image.LoadPixelData<L8>(bytes, width, height)
        : Image.LoadPixelData<Rgb24>(bytes, width, height);

    /// <summary>The image as float HWC pixels, values 0..255.</summary>
    public static PixelBuffer ToFloat(Image image)
    {
        byte[] bytes = ToBytes(image);
        var data = new float[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            data[i] = bytes[i];
        }

        return new PixelBuffer(data, Channels(image), image.Height, image.Width, PixelLayout.Hwc);
    }

    /// <summary>
    /// Makes sure the sample holds float pixels: converts (and disposes) the image if there is one, otherwise
    /// requires the pixels <paramref name="transform"/> needs.
    /// </summary>
    public static PixelBuffer EnsurePixels(Sample sample, string transform)
    {
        if (sample.Image is { } image)
        {
            sample.Pixels = ToFloat(image);
            sample.ReplaceImage(null);
        }

        return sample.Pixels
               ?? throw new TransformException(
                   $"{transform} needs an image, but {NameOf(sample)} has none; put LoadImageFromFile before it.");
    }
}
