namespace QQuant;

/// <summary>
/// Reads through another stream while computing the zip CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) of
/// what passed, so a checkpoint entry can be checked against the CRC its archive records (.NET does not check it).
/// </summary>
internal sealed class Crc32ReadStream : Stream
{
    private static readonly uint[] Table = BuildTable();

    private readonly Stream _inner;
    private uint _crc = 0xFFFFFFFFu;

    public Crc32ReadStream(Stream inner) => _inner = inner;

    /// <summary>The CRC-32 of the bytes read so far.</summary>
    public uint Crc => ~_crc;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Reads what is left, so <see cref="Crc"/> covers the whole stream.</summary>
    public void ReadToEnd()
    {
        var buffer = new byte[1 << 16];
        while (Read(buffer, 0, buffer.Length) > 0)
        {
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int read = _inner.Read(buffer);
        _crc = Update(_crc, buffer[..read]);
        return read;
    }

    /// <summary>The CRC-32 of the next <paramref name="count"/> bytes of <paramref name="stream"/>, which it reads.</summary>
    /// <exception cref="EndOfStreamException">The stream ends sooner.</exception>
    public static uint Compute(Stream stream, long count)
    {
        var buffer = new byte[1 << 16];
        uint crc = 0xFFFFFFFFu;
        while (count > 0)
        {
            int read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, count));
            if (read == 0)
            {
                throw new EndOfStreamException();
            }

            crc = Update(crc, buffer.AsSpan(0, read));
            count -= read;
        }

        return ~crc;
    }

    private static uint Update(uint crc, ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
