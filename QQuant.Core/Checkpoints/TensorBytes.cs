using static TorchSharp.torch;

namespace QQuant;

/// <summary>Raw little-endian tensor bytes: what safetensors and TorchSharp's .dat files store after their headers.</summary>
internal static class TensorBytes
{
    /// <summary>The element types the state-dict files here store, with their element sizes in bytes.</summary>
    private static readonly Dictionary<ScalarType, int> ElementSizes = new()
    {
        [ScalarType.Float32] = 4,
        [ScalarType.Float64] = 8,
        [ScalarType.Float16] = 2,
        [ScalarType.BFloat16] = 2,
        [ScalarType.Int64] = 8,
        [ScalarType.Int32] = 4,
        [ScalarType.Int16] = 2,
        [ScalarType.Int8] = 1,
        [ScalarType.Byte] = 1,
        [ScalarType.Bool] = 1,
    };

    public static bool IsSupported(ScalarType dtype) => ElementSizes.ContainsKey(dtype);

    public static int ElementSize(ScalarType dtype) => ElementSizes[dtype];

    /// <summary>The byte count of a tensor of <paramref name="shape"/>, or null when it overflows or a dimension is negative.</summary>
    public static long? ByteCount(IReadOnlyList<long> shape, ScalarType dtype)
    {
        try
        {
            long count = ElementSize(dtype);
            foreach (long d in shape)
            {
                if (d < 0)
                {
                    return null;
                }

                count = checked(count * d);
            }

            return count;
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    /// <summary>Reads <paramref name="byteCount"/> bytes into a new CPU tensor of <paramref name="shape"/>.</summary>
    /// <exception cref="EndOfStreamException">The stream ends first.</exception>
    /// <exception cref="NotSupportedException">The tensor is larger than one .NET array can hold.</exception>
    public static Tensor Read(Stream stream, long[] shape, ScalarType dtype, long byteCount)
    {
        if (byteCount > Array.MaxLength)
        {
            throw new NotSupportedException($"a tensor of {byteCount} bytes is larger than QQuant reads (about 2 GiB per tensor)");
        }

        var data = new byte[byteCount];
        stream.ReadExactly(data);
        Tensor result = empty(shape, dtype, CPU);
        if (byteCount > 0)
        {
            result.bytes = data;
        }

        return result;
    }

    /// <summary>Writes the bytes of <paramref name="tensor"/> (copied to the CPU and made contiguous when needed).</summary>
    public static void Write(Stream stream, Tensor tensor)
    {
        using var scope = NewDisposeScope();
        Tensor host = tensor.detach().cpu().contiguous();
        if (host.numel() > 0)
        {
            stream.Write(host.bytes);
        }
    }

    /// <summary>Skips <paramref name="count"/> bytes of a stream that may not be seekable.</summary>
    public static void Skip(Stream stream, long count)
    {
        if (count <= 0)
        {
            return;
        }

        if (stream.CanSeek)
        {
            stream.Seek(count, SeekOrigin.Current);
            return;
        }

        var buffer = new byte[(int)Math.Min(count, 1 << 16)];
        while (count > 0)
        {
            int chunk = (int)Math.Min(count, buffer.Length);
            stream.ReadExactly(buffer, 0, chunk);
            count -= chunk;
        }
    }
}
