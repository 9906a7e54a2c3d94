using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using QQuant.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace QQuant.Tests.Vision.Datasets;

/// <summary>Writes small dataset files in their standard layouts, and builds datasets from JSON configuration.</summary>
internal static class DatasetTestFiles
{
    /// <summary>The byte written at channel <paramref name="c"/>, row <paramref name="y"/>, column <paramref name="x"/> of sample <paramref name="n"/>.</summary>
    public static byte PixelValue(int n, int c, int y, int x) => (byte)((n * 37 + c * 101 + y * 7 + x * 3) % 256);

    /// <summary>An IDX3 images file: <paramref name="count"/> images of rows x columns with <see cref="PixelValue"/> bytes.</summary>
    public static byte[] IdxImages(int count, int rows, int columns, int firstSample = 0)
    {
        byte[] bytes = new byte[16 + count * rows * columns];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x00000803);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), columns);
        for (int n = 0; n < count; n++)
        {
            for (int y = 0; y < rows; y++)
            {
                for (int x = 0; x < columns; x++)
                {
                    bytes[16 + (n * rows + y) * columns + x] = PixelValue(firstSample + n, 0, y, x);
                }
            }
        }

        return bytes;
    }

    /// <summary>An IDX1 labels file holding <paramref name="labels"/>.</summary>
    public static byte[] IdxLabels(params int[] labels)
    {
        byte[] bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 0x00000801);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Length);
        for (int i = 0; i < labels.Length; i++)
        {
            bytes[8 + i] = (byte)labels[i];
        }

        return bytes;
    }

    /// <summary><paramref name="bytes"/> gzipped.</summary>
    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    /// <summary>
    /// CIFAR binary records, one per entry of <paramref name="labels"/> (each entry the record's label bytes), pixels
    /// <see cref="PixelValue"/> of samples <paramref name="firstSample"/> onwards, as R, G and B planes of 32x32.
    /// </summary>
    public static byte[] CifarRecords(int firstSample, params byte[][] labels)
    {
        var bytes = new List<byte>();
        for (int i = 0; i < labels.Length; i++)
        {
            bytes.AddRange(labels[i]);
            for (int c = 0; c < 3; c++)
            {
                for (int y = 0; y < 32; y++)
                {
                    for (int x = 0; x < 32; x++)
                    {
                        bytes.Add(PixelValue(firstSample + i, c, y, x));
                    }
                }
            }
        }

        return bytes.ToArray();
    }

    /// <summary>Writes a 2x2 PNG or JPEG (by the extension) at <paramref name="path"/>, creating its folder.</summary>
    public static void WriteImage(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var image = new Image<Rgb24>(2, 2, new Rgb24(10, 20, 30));
        image.Save(path);
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8) at <paramref name="path"/> and returns the path.</summary>
    public static string WriteText(string path, string text)
    {
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    /// <summary>A registry with QQuant.Vision's components and the test's <see cref="TagTransform"/>.</summary>
    public static ComponentRegistry Registry() =>
        new ComponentRegistry().AddVision().Add<ITransform, TagTransformOptions>(TagTransform.TypeName, o => new TagTransform(o.Tag));

    /// <summary>Builds the dataset <paramref name="dataset"/> describes (an object serialised to JSON).</summary>
    public static ImageDataset Build(object dataset)
    {
        string json = JsonSerializer.Serialize(new { dataset });
        IConfigurationRoot root = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        return Registry().Build<ImageDataset>(root.GetSection("dataset"));
    }
}
