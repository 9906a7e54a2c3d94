using System.Text;
using Microsoft.Extensions.Configuration;
using QQuant.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace QQuant.Tests.Vision.Transforms;

/// <summary>Small images with known pixels, and JSON configuration, for the transform tests.</summary>
internal static class TransformTestSupport
{
    /// <summary>An RGB sample whose pixel (y, x) is (r, g, b) = (f(y, x, 0), f(y, x, 1), f(y, x, 2)).</summary>
    public static Sample RgbSample(int height, int width, Func<int, int, int, int> value) =>
        new() { Image = Rgb(height, width, value), Label = 1 };

    public static Image<Rgb24> Rgb(int height, int width, Func<int, int, int, int> value)
    {
        var bytes = new byte[height * width * 3];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    bytes[(y * width + x) * 3 + c] = (byte)value(y, x, c);
                }
            }
        }

        return Image.LoadPixelData<Rgb24>(bytes, width, height);
    }

    public static Image<L8> Grey(int height, int width, Func<int, int, int> value)
    {
        var bytes = new byte[height * width];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                bytes[y * width + x] = (byte)value(y, x);
            }
        }

        return Image.LoadPixelData<L8>(bytes, width, height);
    }

    /// <summary>A distinct value per pixel and channel, below 256 for images up to 8x8.</summary>
    public static int Code(int y, int x, int c) => y * 32 + x * 4 + c;

    /// <summary>A sample holding float HWC pixels.</summary>
    public static Sample HwcSample(int height, int width, int channels, Func<int, int, int, float> value)
    {
        var data = new float[height * width * channels];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                for (int c = 0; c < channels; c++)
                {
                    data[(y * width + x) * channels + c] = value(y, x, c);
                }
            }
        }

        return new Sample { Pixels = new PixelBuffer(data, channels, height, width, PixelLayout.Hwc), Label = 0 };
    }

    /// <summary>The value at (y, x, c) of HWC or CHW pixels.</summary>
    public static float At(PixelBuffer pixels, int y, int x, int c) => pixels.Layout == PixelLayout.Hwc
        ? pixels.Data[(y * pixels.Width + x) * pixels.Channels + c]
        : pixels.Data[(c * pixels.Height + y) * pixels.Width + x];

    /// <summary>The sample's pixels as floats (converting a decoded image, which the sample keeps).</summary>
    public static PixelBuffer PixelsOf(Sample sample)
    {
        if (sample.Pixels is { } pixels)
        {
            return pixels;
        }

        using var copy = new Sample { Image = sample.Image!.CloneAs<Rgb24>() };
        if (sample.Image is Image<L8> grey)
        {
            copy.ReplaceImage(grey.Clone());
        }

        return new ImageToTensor(new ImageToTensorOptions()).Apply(copy, new Random(0)).Pixels!;
    }

    public static IConfigurationRoot Json(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

    public static ComponentRegistry Registry() => new ComponentRegistry().AddVision();

    /// <summary>Builds one transform from a JSON object.</summary>
    public static ITransform Build(string json) => Registry().Build<ITransform>(Json(json));
}
