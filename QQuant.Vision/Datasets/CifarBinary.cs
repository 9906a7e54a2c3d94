namespace QQuant.Vision;

/// <summary>
/// Reads the binary version of CIFAR: records of label byte(s) and 3072 pixel bytes (the 32x32 red plane, then green,
/// then blue), concatenated over the given files.
/// </summary>
internal static class CifarBinary
{
    public const int Side = 32;
    public const int ImageBytes = 3 * Side * Side;

    /// <summary>
    /// Reads every record of <paramref name="files"/>. Each record starts with <paramref name="labelBytes"/> label bytes;
    /// the label used is byte <paramref name="labelIndex"/>, which must be below <paramref name="classCount"/>.
    /// </summary>
    public static (byte[] Pixels, int[] Labels) Read(IReadOnlyList<string> files, int labelBytes, int labelIndex, int classCount)
    {
        int record = labelBytes + ImageBytes;
        long total = 0;
        foreach (string file in files)
        {
            long length = new FileInfo(file).Length;
            if (length == 0 || length % record != 0)
            {
                throw new DatasetFormatException(file,
                    $"The CIFAR file '{file}' is {length} bytes long, not a whole number of {record}-byte records "
                    + $"({labelBytes} label byte{(labelBytes == 1 ? "" : "s")} + {ImageBytes} pixel bytes); it is truncated or not in the binary format.");
            }

            total += length / record;
        }

        if (total * ImageBytes > Array.MaxLength)
        {
            throw new DatasetFormatException(files[0], $"The CIFAR files hold {total} images, too many to read into memory at once.");
        }

        byte[] pixels = new byte[total * ImageBytes];
        int[] labels = new int[total];
        int n = 0;
        foreach (string file in files)
        {
            byte[] bytes = File.ReadAllBytes(file);
            for (int offset = 0; offset < bytes.Length; offset += record, n++)
            {
                int label = bytes[offset + labelIndex];
                if (label >= classCount)
                {
                    throw new DatasetFormatException(file,
                        $"The CIFAR file '{file}' gives record {offset / record} the label {label}; labels are 0..{classCount - 1}.");
                }

                labels[n] = label;
                bytes.AsSpan(offset + labelBytes, ImageBytes).CopyTo(pixels.AsSpan(n * ImageBytes, ImageBytes));
            }
        }

        return (pixels, labels);
    }
}
