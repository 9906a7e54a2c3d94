namespace QQuant.Samples.Faults;

/// <summary>Byte positions to damage in a file: spread over all of it, with a share in the zip directory at its end.</summary>
internal static class FilePositions
{
    /// <summary>
    /// <paramref name="count"/> distinct positions in <paramref name="file"/> (fewer when the file is smaller):
    /// the first and last, a quarter inside the zip's central directory and end record (small, but where a flip
    /// confuses a reader most), and the rest one per equal stretch of the file.
    /// </summary>
    public static IReadOnlyList<long> Spread(byte[] file, int count, Random random)
    {
        long length = file.Length;
        var positions = new SortedSet<long> { 0, length - 1 };
        long directory = CentralDirectoryStart(file);
        int inDirectory = count / 4;
        for (int i = 0; i < inDirectory; i++)
        {
            positions.Add(Stretch(directory, length, i, inDirectory, random));
        }

        int rest = count - positions.Count;
        for (int i = 0; i < rest; i++)
        {
            positions.Add(Stretch(0, length, i, rest, random));
        }

        while (positions.Count < Math.Min(count, length))
        {
            positions.Add(random.NextInt64(length));
        }

        return [.. positions.Take(count)];
    }

    /// <summary>A position in the <paramref name="index"/>-th of <paramref name="of"/> equal stretches of [from, to).</summary>
    private static long Stretch(long from, long to, int index, int of, Random random)
    {
        long begin = from + (to - from) * index / of;
        long end = Math.Max(begin + 1, from + (to - from) * (index + 1) / of);
        return random.NextInt64(begin, end);
    }

    /// <summary>Where the zip's central directory begins (found from the end-of-directory record), or the last 64 bytes.</summary>
    private static long CentralDirectoryStart(byte[] file)
    {
        for (int at = file.Length - 22; at >= Math.Max(0, file.Length - 22 - 65535); at--)
        {
            if (file[at] == 'P' && file[at + 1] == 'K' && file[at + 2] == 5 && file[at + 3] == 6)
            {
                long start = BitConverter.ToUInt32(file, at + 16);
                return start < at ? start : at;
            }
        }

        return Math.Max(0, file.Length - 64);
    }
}
