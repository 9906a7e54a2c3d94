using System.Buffers.Binary;
using System.IO.Compression;

namespace QQuant.Vision;

/// <summary>
/// Reads the IDX files of MNIST-style datasets, raw or gzipped (told apart by the gzip magic bytes, whatever the
/// extension): big-endian magic <c>0x00000803</c>, count, rows, columns, then the images; or magic <c>0x00000801</c>,
/// count, then one label byte per item.
/// </summary>
internal static class IdxFile
{
    private const int ImagesMagic = 0x00000803;
    private const int LabelsMagic = 0x00000801;

    /// <summary>The images of <paramref name="path"/>: count x rows x columns bytes.</summary>
    public static (byte[] Pixels, int Count, int Rows, int Columns) ReadImages(string path)
    {
        byte[] bytes = Contents(path);
        CheckHeader(path, bytes, ImagesMagic, headerBytes: 16, "images (idx3)");
        int count = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        int rows = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(8));
        int columns = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(12));
        if (count < 0 || rows <= 0 || columns <= 0)
        {
            throw new DatasetFormatException(path, $"The IDX file '{path}' has an invalid header: {count} images of {rows}x{columns}.");
        }

        byte[] pixels = new byte[CheckLength(path, bytes.Length, 16, (long)count * rows * columns, $"{count} images of {rows}x{columns}")];
        bytes.AsSpan(16, pixels.Length).CopyTo(pixels);
        return (pixels, count, rows, columns);
    }

    /// <summary>The labels of <paramref name="path"/>, each below <paramref name="classCount"/>.</summary>
    public static int[] ReadLabels(string path, int classCount)
    {
        byte[] bytes = Contents(path);
        CheckHeader(path, bytes, LabelsMagic, headerBytes: 8, "labels (idx1)");
        int count = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4));
        if (count < 0)
        {
            throw new DatasetFormatException(path, $"The IDX file '{path}' has an invalid header: {count} labels.");
        }

        int[] labels = new int[CheckLength(path, bytes.Length, 8, count, $"{count} labels")];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = bytes[8 + i];
            if (labels[i] >= classCount)
            {
                throw new DatasetFormatException(path, $"The IDX file '{path}' gives item {i} the label {labels[i]}; labels are 0..{classCount - 1}.");
            }
        }

        return labels;
    }

    private static byte[] Contents(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b)
        {
            return bytes;
        }

        try
        {
            using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var output = new MemoryStream(bytes.Length * 4);
            gzip.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new DatasetFormatException(path, $"The file '{path}' starts like a gzip file but cannot be decompressed: {e.Message}", e);
        }
    }

    private static void CheckHeader(string path, byte[] bytes, int magic, int headerBytes, string what)
    {
        if (bytes.Length < headerBytes)
        {
            throw new DatasetFormatException(path,
                $"The IDX file '{path}' is {bytes.Length} bytes long, shorter than the {headerBytes}-byte header of an IDX {what} file.");
        }

        int found = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (found != magic)
        {
            throw new DatasetFormatException(path,
                $"The file '{path}' is not an IDX {what} file: its magic number is 0x{found:X8}, expected 0x{magic:X8}.");
        }
    }

    private static int CheckLength(string path, int length, int headerBytes, long expected, string what)
    {
        long actual = length - headerBytes;
        if (actual < expected)
        {
            throw new DatasetFormatException(path,
                $"The IDX file '{path}' is truncated: its header announces {what} ({expected} bytes after the header), it holds {actual}.");
        }

        if (actual > expected)
        {
            throw new DatasetFormatException(path,
                $"The IDX file '{path}' holds {actual - expected} bytes more than the {what} its header announces.");
        }

        return (int)expected;
    }
}
