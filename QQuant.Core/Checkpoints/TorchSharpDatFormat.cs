using System.Text;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// TorchSharp's own <c>.dat</c> format (what <c>module.save</c> writes): a LEB128 entry count, then per entry the key
/// as a .NET length-prefixed UTF-8 string, the element type, the rank and each dimension as LEB128 numbers, and the
/// raw tensor bytes. Read here without a module, so keys and shapes can be compared before anything is loaded.
/// </summary>
internal static class TorchSharpDatFormat
{
    private const int MaxRank = 64;

    public static Dictionary<string, Tensor> Read(Stream stream, string source)
    {
        var result = new Dictionary<string, Tensor>();
        try
        {
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            long count = Decode(reader, source);
            for (long i = 0; i < count; i++)
            {
                string key = reader.ReadString();
                var dtype = (ScalarType)Decode(reader, source);
                if (!TensorBytes.IsSupported(dtype))
                {
                    throw Corrupt(source, $"the tensor '{key}' has element type {(int)dtype}, which QQuant does not read");
                }

                long rank = Decode(reader, source);
                if (rank > MaxRank)
                {
                    throw Corrupt(source, $"the tensor '{key}' claims {rank} dimensions");
                }

                var shape = new long[rank];
                for (int d = 0; d < rank; d++)
                {
                    shape[d] = Decode(reader, source);
                }

                long bytes = TensorBytes.ByteCount(shape, dtype)
                             ?? throw Corrupt(source, $"the tensor '{key}' has an invalid shape [{string.Join(", ", shape)}]");
                if (stream.CanSeek && bytes > stream.Length - stream.Position)
                {
                    throw new EndOfStreamException();
                }

                if (!result.TryAdd(key, TensorBytes.Read(stream, shape, dtype, bytes)))
                {
                    throw Corrupt(source, $"the key '{key}' appears twice");
                }
            }

            return result;
        }
        catch (Exception e) when (e is EndOfStreamException or NotSupportedException or IOException and not FileNotFoundException)
        {
            DisposeAll(result);
            throw Corrupt(source, e is EndOfStreamException ? "it ends before its data does (truncated, or not a .dat file)" : e.Message, e);
        }
        catch
        {
            DisposeAll(result);
            throw;
        }
    }

    public static void Write(Stream stream, IReadOnlyDictionary<string, Tensor> tensors)
    {
        foreach ((string key, Tensor tensor) in tensors)
        {
            if (!TensorBytes.IsSupported(tensor.dtype))
            {
                throw new ArgumentException($"The tensor '{key}' is {tensor.dtype}, which QQuant does not write to .dat files.", nameof(tensors));
            }
        }

        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        Encode(writer, tensors.Count);
        foreach ((string key, Tensor tensor) in tensors)
        {
            writer.Write(key);
            Encode(writer, (long)tensor.dtype);
            Encode(writer, tensor.shape.Length);
            foreach (long d in tensor.shape)
            {
                Encode(writer, d);
            }

            writer.Flush();
            TensorBytes.Write(stream, tensor);
        }
    }

    private static void Encode(BinaryWriter writer, long value)
    {
        do
        {
            byte low = (byte)(value & 0x7f);
            value >>= 7;
            writer.Write(value == 0 ? low : (byte)(low | 0x80));
        }
        while (value != 0);
    }

    private static long Decode(BinaryReader reader, string source)
    {
        long result = 0;
        for (int i = 0; i < 9; i++)
        {
            byte b = reader.ReadByte();
            result |= (long)(b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw Corrupt(source, "a number in it is longer than 9 bytes");
    }

    private static CheckpointFileException Corrupt(string source, string why, Exception? inner = null)
    {
        string message = $"Cannot read '{source}' as a TorchSharp .dat state dict: {why}.";
        return inner is null ? new CheckpointFileException(source, message) : new CheckpointFileException(source, message, inner);
    }

    private static void DisposeAll(Dictionary<string, Tensor> tensors)
    {
        foreach (Tensor t in tensors.Values)
        {
            t.Dispose();
        }
    }
}
