using System.Buffers.Binary;
using System.Text;

namespace QQuant;

/// <summary>
/// The CRC-32 of a whole checkpoint file, kept as its zip comment (<c>qquant crc32 1a2b3c4d</c>, the file's last
/// bytes): the entries' own CRCs leave the zip headers and directory unchecked, where a damaged byte can drop an entry
/// or be ignored. It covers every byte before the comment's length field.
/// </summary>
internal static class FileChecksum
{
    private const string Prefix = "qquant crc32 ";
    private const int CommentLength = 21;
    private const int EndRecordLength = 22;

    /// <summary>Appends the checksum to the zip archive just written to <paramref name="stream"/> (readable, seekable, no comment yet).</summary>
    public static void Append(Stream stream)
    {
        long length = stream.Length;
        Span<byte> end = stackalloc byte[EndRecordLength];
        stream.Position = length - EndRecordLength;
        stream.ReadExactly(end);
        if (!end.StartsWith("PK\u0005\u0006"u8) || BinaryPrimitives.ReadUInt16LittleEndian(end[^2..]) != 0)
        {
            throw new InvalidOperationException("The zip archive does not end in an end-of-directory record without a comment.");
        }

        stream.Position = 0;
        uint crc = Crc32ReadStream.Compute(stream, length - 2);
        Span<byte> commentLength = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(commentLength, CommentLength);
        stream.Position = length - 2;
        stream.Write(commentLength);
        stream.Write(Encoding.ASCII.GetBytes(Text(crc)));
    }

    /// <summary>
    /// Null when <paramref name="stream"/> ends in no QQuant checksum; otherwise whether the file's bytes match it, and
    /// the CRC-32 they have and the one recorded. Leaves the stream at its start.
    /// </summary>
    public static (bool Matches, string Actual, string Recorded)? Check(Stream stream)
    {
        long length = stream.Length;
        if (length < EndRecordLength + CommentLength)
        {
            return null;
        }

        Span<byte> tail = stackalloc byte[2 + CommentLength];
        stream.Position = length - tail.Length;
        stream.ReadExactly(tail);
        string comment = Encoding.ASCII.GetString(tail[2..]);
        if (BinaryPrimitives.ReadUInt16LittleEndian(tail) != CommentLength || !comment.StartsWith(Prefix, StringComparison.Ordinal))
        {
            stream.Position = 0;
            return null;
        }

        stream.Position = 0;
        string actual = Text(Crc32ReadStream.Compute(stream, length - tail.Length));
        stream.Position = 0;
        return (actual == comment, actual[Prefix.Length..], comment[Prefix.Length..]);
    }

    private static string Text(uint crc) => $"{Prefix}{crc:x8}";
}
