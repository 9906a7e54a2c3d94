using Microsoft.Extensions.Configuration;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace QQuant.Vision;

/// <summary>
/// Decodes <see cref="Sample.FilePath"/> into <c>Image&lt;Rgb24&gt;</c> or <c>Image&lt;L8&gt;</c> (RGB order, where the
/// reference's OpenCV gives BGR) and records <c>filename</c>, <c>ori_filename</c>, <c>ori_shape</c>,
/// <c>img_shape</c> (each <c>{ height, width, channels }</c>, also for grey images) and an identity <c>img_norm_cfg</c>.
/// </summary>
public sealed class LoadImageFromFile : ITransform
{
    private readonly LoadImageFromFileOptions _options;

    /// <summary>Creates the step; only the <c>disk</c> file backend is accepted.</summary>
    public LoadImageFromFile(LoadImageFromFileOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Enum.IsDefined(options.ColorType))
        {
            throw new ArgumentException($"colorType must be color, grayscale or unchanged, got {options.ColorType}.");
        }

        if (options.MaxPixels <= 0)
        {
            throw new ArgumentException($"maxPixels must be positive, got {options.MaxPixels}.");
        }

        if (options.FileClientArgs is { } args)
        {
            foreach (IConfigurationSection entry in args.GetChildren())
            {
                bool disk = entry.Key.Equals("backend", StringComparison.OrdinalIgnoreCase)
                            && string.Equals(entry.Value, "disk", StringComparison.OrdinalIgnoreCase);
                if (!disk)
                {
                    throw new ArgumentException(
                        $"fileClientArgs: only {{ backend: disk }} is supported, got '{entry.Key}' = '{entry.Value}'.");
                }
            }
        }

        _options = options;
    }

    /// <inheritdoc />
    public Sample Apply(Sample sample, Random random)
    {
        string path = sample.FilePath
                      ?? throw new TransformException("LoadImageFromFile needs a sample with a FileName, got none.");
        Image image = Decode(path, _options.ColorType, _options.MaxPixels);
        sample.ReplaceImage(image);
        sample.Pixels = null;
        int channels = SampleImages.Channels(image);
        if (_options.ToFloat32)
        {
            SampleImages.EnsurePixels(sample, nameof(LoadImageFromFile));
        }

        sample.Meta[MetaKeys.FileName] = path;
        sample.Meta[MetaKeys.OriginalFileName] = sample.FileName!;
        sample.Meta[MetaKeys.OriginalShape] = SampleImages.Shape(sample);
        sample.Meta[MetaKeys.ImageShape] = SampleImages.Shape(sample);
        sample.Meta[MetaKeys.ImageNormConfig] = new ImageNormConfig(new double[channels], Enumerable.Repeat(1.0, channels).ToArray(), false);
        return sample;
    }

    private static Image Decode(string path, ColorType colorType, long maxPixels)
    {
        try
        {
            byte[] bytes = File.ReadAllBytes(path);
            IImageInfo? info = Image.Identify(bytes, out IImageFormat? format);
            if (info is null || format is null)
            {
                throw new ImageLoadException(path, "it is not an image in a format ImageSharp reads (PNG, JPEG, BMP, GIF, TGA, TIFF, WebP, PBM).");
            }

            // The header is checked before decoding: a few hundred bytes can claim gigabytes of pixels.
            if ((long)info.Width * info.Height > maxPixels)
            {
                throw new ImageLoadException(path,
                    $"its header claims {info.Width}x{info.Height} pixels, more than maxPixels ({maxPixels}); raise maxPixels if the image is genuine.");
            }

            if (format is JpegFormat && !JpegEnds(bytes))
            {
                throw new ImageLoadException(path, "the JPEG is truncated: its last scan has no end-of-image marker.");
            }

            bool grey = colorType == ColorType.Grayscale || (colorType == ColorType.Unchanged && IsStoredGrey(info, format));
            Image<Rgb24> rgb = Image.Load<Rgb24>(bytes);
            if (!grey)
            {
                return rgb;
            }

            using (rgb)
            {
                return ToGrey(rgb);
            }
        }
        catch (FileNotFoundException e)
        {
            throw new ImageLoadException(path, "the file does not exist.", e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new ImageLoadException(path, "its folder does not exist.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ImageFormatException or NotSupportedException)
        {
            throw new ImageLoadException(path, e.Message, e);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or InvalidOperationException)
        {
            // ImageSharp 2.1 throws these on some damaged files (a truncated PNG chunk, for one).
            throw new ImageLoadException(path, $"the file is damaged ({e.GetType().Name}: {e.Message})", e);
        }
    }

    // ImageSharp fills the missing rows of a truncated JPEG with grey and reports nothing. Entropy-coded data cannot
    // hold the bytes FF DA or FF D9 (a data FF is followed by 00), so a complete file has FF D9 after its last FF DA.
    private static bool JpegEnds(byte[] bytes)
    {
        int lastScan = -1;
        for (int i = bytes.Length - 2; i >= 0 && lastScan < 0; i--)
        {
            if (bytes[i] == 0xFF && bytes[i + 1] == 0xDA)
            {
                lastScan = i;
            }
        }

        for (int i = Math.Max(lastScan, 0); i < bytes.Length - 1; i++)
        {
            if (bytes[i] == 0xFF && bytes[i + 1] == 0xD9)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsStoredGrey(IImageInfo info, IImageFormat format) => format switch
    {
        PngFormat => info.Metadata.GetPngMetadata().ColorType is PngColorType.Grayscale or PngColorType.GrayscaleWithAlpha,
        JpegFormat => info.Metadata.GetJpegMetadata().ColorType == JpegColorType.Luminance,
        _ => false,
    };

    // OpenCV's BT.601 weights (ImageSharp's L8 conversion uses BT.709), so grey values match the reference's.
    private static Image<L8> ToGrey(Image<Rgb24> rgb)
    {
        var pixels = new Rgb24[rgb.Width * rgb.Height];
        rgb.CopyPixelDataTo(pixels);
        var grey = new byte[pixels.Length];
        for (int i = 0; i < pixels.Length; i++)
        {
            Rgb24 p = pixels[i];
            grey[i] = (byte)Math.Round(0.299 * p.R + 0.587 * p.G + 0.114 * p.B);
        }

        return Image.LoadPixelData<L8>(grey, rgb.Width, rgb.Height);
    }
}
