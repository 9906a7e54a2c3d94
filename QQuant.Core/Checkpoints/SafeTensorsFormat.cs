using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// The safetensors format: an 8-byte little-endian header length, a UTF-8 JSON header
/// <c>{ name: { dtype, shape, data_offsets }, "__metadata__": { string: string } }</c>, then the raw little-endian
/// tensor bytes. Reading builds tensors from bytes only, so a file cannot run code. Element types: F32, F64, F16, BF16,
/// I64, I32, I16, I8, U8 and BOOL.
/// </summary>
public static class SafeTensorsFormat
{
    private const string MetadataKey = "__metadata__";
    private const long MaxHeaderBytes = 100_000_000;

    private static readonly Dictionary<string, ScalarType> DTypes = new()
    {
        ["F32"] = ScalarType.Float32,
        ["F64"] = ScalarType.Float64,
        ["F16"] = ScalarType.Float16,
        ["BF16"] = ScalarType.BFloat16,
        ["I64"] = ScalarType.Int64,
        ["I32"] = ScalarType.Int32,
        ["I16"] = ScalarType.Int16,
        ["I8"] = ScalarType.Int8,
        ["U8"] = ScalarType.Byte,
        ["BOOL"] = ScalarType.Bool,
    };

    /// <summary>
    /// Reads every tensor of a safetensors stream into new CPU tensors; <paramref name="metadata"/> receives the
    /// <c>__metadata__</c> entries (empty when there are none). The stream is read front to back, so it need not be seekable.
    /// </summary>
    /// <param name="stream">The stream, positioned at the file's start.</param>
    /// <param name="source">The file (or archive entry) name, for messages.</param>
    /// <param name="metadata">The header's free-form string entries.</param>
    /// <exception cref="CheckpointFileException">The content is truncated, malformed, or uses an unsupported element type.</exception>
    public static Dictionary<string, Tensor> Read(Stream stream, string source, out IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var result = new Dictionary<string, Tensor>();
        try
        {
            Span<byte> lengthBytes = stackalloc byte[8];
            stream.ReadExactly(lengthBytes);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            if (headerLength > MaxHeaderBytes || (stream.CanSeek && (long)headerLength > stream.Length - stream.Position))
            {
                throw Corrupt(source, $"its header length {headerLength} is larger than the file allows; it is not a safetensors file or it is truncated");
            }

            var header = new byte[headerLength];
            stream.ReadExactly(header);
            List<Entry> entries = ParseHeader(header, source, out metadata);
            long position = 0;
            foreach (Entry entry in entries.OrderBy(e => e.Begin))
            {
                if (entry.Begin < position)
                {
                    throw Corrupt(source, $"the data of '{entry.Name}' overlaps the tensor before it");
                }

                TensorBytes.Skip(stream, entry.Begin - position);
                result.Add(entry.Name, TensorBytes.Read(stream, entry.Shape, entry.DType, entry.End - entry.Begin));
                position = entry.End;
            }

            return result;
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or NotSupportedException or InvalidDataException
                                       or InvalidOperationException or FormatException)
        {
            Dispose(result);
            throw Corrupt(source, e is EndOfStreamException ? "it ends before its data does (truncated)" : e.Message, e);
        }
        catch
        {
            Dispose(result);
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> (in their enumeration order) and optional string <paramref name="metadata"/>.
    /// Tensors on other devices are copied to the CPU one at a time while writing.
    /// </summary>
    /// <exception cref="ArgumentException">A tensor has an element type the format does not store (the message names its key).</exception>
    public static void Write(Stream stream, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        byte[] header = BuildHeader(tensors, metadata);
        Span<byte> lengthBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)header.Length);
        stream.Write(lengthBytes);
        stream.Write(header);
        foreach (Tensor tensor in tensors.Values)
        {
            TensorBytes.Write(stream, tensor);
        }
    }

    /// <summary>The safetensors name of <paramref name="dtype"/> (<c>F32</c>, <c>BOOL</c>, ...), or null when the format has none here.</summary>
    public static string? DTypeName(ScalarType dtype) => DTypes.FirstOrDefault(p => p.Value == dtype).Key;

    private static byte[] BuildHeader(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach ((string key, string value) in metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach ((string name, Tensor tensor) in tensors)
            {
                if (name == MetadataKey)
                {
                    throw new ArgumentException($"'{MetadataKey}' is reserved by the safetensors format and cannot name a tensor.", nameof(tensors));
                }

                string dtype = DTypeName(tensor.dtype) ?? throw new ArgumentException(
                    $"The tensor '{name}' is {tensor.dtype}; safetensors files here store {string.Join(", ", DTypes.Keys)}.", nameof(tensors));
                long length = TensorBytes.ByteCount(tensor.shape, tensor.dtype)!.Value;
                json.WriteStartObject(name);
                json.WriteString("dtype", dtype);
                json.WriteStartArray("shape");
                foreach (long d in tensor.shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += length;
            }

            json.WriteEndObject();
        }

        // Pad with spaces so the data starts 8-byte aligned, as the format's writers do.
        while (buffer.Length % 8 != 0)
        {
            buffer.WriteByte((byte)' ');
        }

        return buffer.ToArray();
    }

    private static List<Entry> ParseHeader(byte[] header, string source, out IReadOnlyDictionary<string, string> metadata)
    {
        using JsonDocument document = JsonDocument.Parse(header);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw Corrupt(source, "its header is not a JSON object");
        }

        var entries = new List<Entry>();
        var meta = new Dictionary<string, string>();
        foreach (JsonProperty property in document.RootElement.EnumerateObject())
        {
            if (property.Name == MetadataKey)
            {
                foreach (JsonProperty m in property.Value.EnumerateObject())
                {
                    meta[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : m.Value.GetRawText();
                }

                continue;
            }

            entries.Add(ParseEntry(property, source));
        }

        metadata = meta;
        return entries;
    }

    private static Entry ParseEntry(JsonProperty property, string source)
    {
        string name = property.Name;
        JsonElement value = property.Value;
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out JsonElement dtypeElement)
            || !value.TryGetProperty("shape", out JsonElement shapeElement)
            || !value.TryGetProperty("data_offsets", out JsonElement offsetsElement))
        {
            throw Corrupt(source, $"the header entry '{name}' lacks dtype, shape or data_offsets");
        }

        string dtypeName = dtypeElement.GetString() ?? "";
        if (!DTypes.TryGetValue(dtypeName, out ScalarType dtype))
        {
            throw Corrupt(source, $"the tensor '{name}' has dtype '{dtypeName}'; supported are {string.Join(", ", DTypes.Keys)}");
        }

        long[] shape = shapeElement.EnumerateArray().Select(e => e.GetInt64()).ToArray();
        long[] offsets = offsetsElement.EnumerateArray().Select(e => e.GetInt64()).ToArray();
        long? expected = TensorBytes.ByteCount(shape, dtype);
        if (expected is null)
        {
            throw Corrupt(source, $"the tensor '{name}' has an invalid shape [{string.Join(", ", shape)}]");
        }

        if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] - offsets[0] != expected)
        {
            throw Corrupt(source, $"the data_offsets [{string.Join(", ", offsets)}] of '{name}' do not hold {expected} bytes "
                                  + $"({dtypeName} [{string.Join(", ", shape)}])");
        }

        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static CheckpointFileException Corrupt(string source, string why, Exception? inner = null)
    {
        string message = $"Cannot read '{source}' as safetensors: {why}.";
        return inner is null ? new CheckpointFileException(source, message) : new CheckpointFileException(source, message, inner);
    }

    private static void Dispose(Dictionary<string, Tensor> tensors)
    {
        foreach (Tensor t in tensors.Values)
        {
            t.Dispose();
        }
    }

    private sealed record Entry(string Name, ScalarType DType, long[] Shape, long Begin, long End);
}
