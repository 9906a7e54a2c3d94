using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace QQuant.Samples.Faults;

/// <summary>
/// The pixels an image file should load as: <paramref name="Rgb"/> is HWC, 3 bytes a pixel; <paramref name="StoredGrey"/>
/// when the file itself is grey (a loader asked for the stored colour gives one channel); <paramref name="Tolerance"/>
/// is the largest difference a lossy format may leave.
/// </summary>
internal sealed record ExpectedPixels(int Width, int Height, byte[] Rgb, bool StoredGrey, int Tolerance);

/// <summary>
/// One damaged or unusual image file: its bytes, and what loading it must give. <see cref="Pixels"/> null: a clear
/// error; otherwise the pixels, or (when <see cref="MayBeRefused"/>) a clear error instead.
/// </summary>
internal sealed record FaultImage(string Name, string FileName, byte[] Bytes, ExpectedPixels? Pixels, bool MayBeRefused = false)
{
    /// <summary>A header that claims more pixels than any loader should allocate for.</summary>
    public bool IsBomb { get; init; }
}

/// <summary>Writes the image files of the <c>images</c> fault class: valid ones in unusual formats, and broken ones.</summary>
internal static class FaultImages
{
    public static IReadOnlyList<FaultImage> All()
    {
        var images = new List<FaultImage>();
        (byte[] png, ExpectedPixels pngPixels) = RgbPng(29, 17, seed: 1);
        (byte[] jpeg, ExpectedPixels jpegPixels) = RgbJpeg(40, 24);
        images.Add(new FaultImage("plain PNG", "plain.png", png, pngPixels));
        images.Add(new FaultImage("zero-byte PNG", "empty.png", [], null));
        images.Add(new FaultImage("zero-byte JPEG", "empty.jpg", [], null));
        images.Add(new FaultImage("text named .png", "text.png", Encoding.ASCII.GetBytes("not an image at all\n"), null));
        foreach (int length in new[] { 4, 8, 33, 60, png.Length / 2, png.Length - 20, png.Length - 12, png.Length - 1 })
        {
            images.Add(new FaultImage($"PNG cut to {length} of {png.Length} bytes", $"cut{length}.png", png[..length], pngPixels, MayBeRefused: true));
        }

        foreach (int length in new[] { 2, 20, 200, jpeg.Length / 2, jpeg.Length - 10, jpeg.Length - 2 })
        {
            images.Add(new FaultImage($"JPEG cut to {length} of {jpeg.Length} bytes", $"cut{length}.jpg", jpeg[..length], jpegPixels, MayBeRefused: true));
        }

        images.Add(new FaultImage("JPEG named .png", "jpeg.png", jpeg, jpegPixels));
        images.Add(new FaultImage("PNG named .jpg", "png.jpg", png, pngPixels));
        images.Add(new FaultImage("PNG named .bmp", "png.bmp", png, pngPixels));
        images.Add(Sixteen<Rgb48>("16-bit RGB PNG", "rgb48.png", 13, 9, v => new Rgb48(v[0], v[1], v[2]), grey: false, PngColorType.Rgb));
        images.Add(Sixteen<Rgba64>("16-bit RGBA PNG", "rgba64.png", 6, 11, v => new Rgba64(v[0], v[1], v[2], 40000), grey: false, PngColorType.RgbWithAlpha));
        images.Add(Sixteen<L16>("16-bit grey PNG", "l16.png", 10, 7, v => new L16(v[0]), grey: true, PngColorType.Grayscale));
        images.Add(Sixteen<La32>("16-bit grey+alpha PNG", "la32.png", 5, 8, v => new La32(v[0], 30000), grey: true, PngColorType.GrayscaleWithAlpha));
        images.Add(GreyAlpha(9, 6));
        images.Add(Cmyk());
        images.Add(Bomb("PNG claiming 100000x100000", "bomb1.png", PngHeader(100_000, 100_000, colorType: 2)));
        images.Add(Bomb("PNG claiming 20000x20000 grey", "bomb2.png", PngHeader(20_000, 20_000, colorType: 0)));
        images.Add(Bomb("PNG claiming 2147483647x1", "bomb3.png", PngHeader(int.MaxValue, 1, colorType: 6)));
        images.Add(Bomb("JPEG claiming 65500x65500", "bomb4.jpg", JpegClaiming(jpeg, 65_500, 65_500)));
        return images;
    }

    private static (byte[] Bytes, ExpectedPixels Pixels) RgbPng(int width, int height, int seed)
    {
        var random = new Random(seed);
        var rgb = new byte[width * height * 3];
        random.NextBytes(rgb);
        using Image<Rgb24> image = Image.LoadPixelData<Rgb24>(rgb, width, height);
        return (Encode(image, new PngEncoder()), new ExpectedPixels(width, height, rgb, StoredGrey: false, Tolerance: 0));
    }

    // Smooth colours so the lossy format keeps them within a few levels.
    private static (byte[] Bytes, ExpectedPixels Pixels) RgbJpeg(int width, int height)
    {
        var rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int at = (y * width + x) * 3;
                (rgb[at], rgb[at + 1], rgb[at + 2]) = ((byte)(60 + x * 2), (byte)(90 + y * 3), (byte)(140 - x - y));
            }
        }

        using Image<Rgb24> image = Image.LoadPixelData<Rgb24>(rgb, width, height);
        return (Encode(image, new JpegEncoder { Quality = 100, ColorType = JpegColorType.YCbCrRatio444 }), new ExpectedPixels(width, height, rgb, false, Tolerance: 6));
    }

    // 16-bit channels hold multiples of 257 so that 8 bits represent them exactly.
    private static FaultImage Sixteen<TPixel>(string name, string file, int width, int height, Func<ushort[], TPixel> pixel, bool grey, PngColorType colorType)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        var random = new Random(width * 31 + height);
        var rgb = new byte[width * height * 3];
        var pixels = new TPixel[width * height];
        for (int i = 0; i < pixels.Length; i++)
        {
            var levels = new byte[3];
            random.NextBytes(levels);
            if (grey)
            {
                levels[1] = levels[2] = levels[0];
            }

            levels.CopyTo(rgb, i * 3);
            pixels[i] = pixel([.. levels.Select(l => (ushort)(l * 257))]);
        }

        using Image<TPixel> image = Image.LoadPixelData<TPixel>(pixels, width, height);
        byte[] bytes = Encode(image, new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = colorType });
        return new FaultImage(name, file, bytes, new ExpectedPixels(width, height, rgb, grey, Tolerance: 0));
    }

    private static FaultImage GreyAlpha(int width, int height)
    {
        var random = new Random(7);
        var grey = new byte[width * height];
        random.NextBytes(grey);
        La16[] pixels = [.. grey.Select((g, i) => new La16(g, (byte)(i * 13)))];
        using Image<La16> image = Image.LoadPixelData<La16>(pixels, width, height);
        byte[] bytes = Encode(image, new PngEncoder { BitDepth = PngBitDepth.Bit8, ColorType = PngColorType.GrayscaleWithAlpha });
        byte[] rgb = [.. grey.SelectMany(g => new[] { g, g, g })];
        return new FaultImage("8-bit grey+alpha PNG", "la16.png", bytes, new ExpectedPixels(width, height, rgb, StoredGrey: true, Tolerance: 0));
    }

    private static FaultImage Bomb(string name, string file, byte[] bytes) =>
        new(name, file, bytes, null) { IsBomb = true };

    private static byte[] Encode(Image image, SixLabors.ImageSharp.Formats.IImageEncoder encoder)
    {
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }

    /// <summary>
    /// A PNG whose header claims <paramref name="width"/> x <paramref name="height"/> pixels, followed by one small
    /// compressed IDAT chunk and IEND: a few hundred bytes that would decode into gigabytes.
    /// </summary>
    public static byte[] PngHeader(int width, int height, byte colorType)
    {
        using var stream = new MemoryStream();
        stream.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = colorType;
        PngChunk(stream, "IHDR", header);
        using (var zeros = new MemoryStream())
        {
            using (var zlib = new ZLibStream(zeros, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                zlib.Write(new byte[64 * 1024]);
            }

            PngChunk(stream, "IDAT", zeros.ToArray());
        }

        PngChunk(stream, "IEND", []);
        return stream.ToArray();
    }

    private static void PngChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        stream.Write(number);
        byte[] typed = [.. Encoding.ASCII.GetBytes(type), .. data];
        stream.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(number, Crc32(typed));
        stream.Write(number);
    }

    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return ~crc;
    }

    /// <summary>A copy of a baseline JPEG whose frame header (SOF0) claims another size.</summary>
    public static byte[] JpegClaiming(byte[] jpeg, int width, int height)
    {
        byte[] copy = [.. jpeg];
        for (int i = 2; i + 8 < copy.Length; i++)
        {
            if (copy[i] == 0xFF && copy[i + 1] == 0xC0)
            {
                BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(i + 5), (ushort)height);
                BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(i + 7), (ushort)width);
                return copy;
            }
        }

        throw new InvalidOperationException("The JPEG has no baseline frame header.");
    }

    /// <summary>
    /// A 16x8 four-component (CMYK) baseline JPEG with an Adobe marker, written by hand since ImageSharp has no CMYK
    /// encoder: two 8x8 blocks of one colour each, every coefficient but DC zero and a quantisation table of ones, so
    /// a decoder gives the stored values back exactly. The values are stored inverted, as Adobe's CMYK JPEGs are
    /// (255 = no ink), so a pixel's red is C*K/255.
    /// </summary>
    private static FaultImage Cmyk()
    {
        byte[][] blocks = [[200, 100, 50, 255], [255, 255, 0, 128]];
        using var stream = new MemoryStream();
        stream.Write([0xFF, 0xD8]);
        JpegSegment(stream, 0xEE, [.. "Adobe"u8, 0x00, 0x64, 0, 0, 0, 0, 0]);
        JpegSegment(stream, 0xDB, [0x00, .. Enumerable.Repeat((byte)1, 64)]);
        JpegSegment(stream, 0xC0, [8, 0, 8, 0, 16, 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0]);
        byte[] dcLengths = new byte[16];
        dcLengths[3] = 12;
        JpegSegment(stream, 0xC4, [0x00, .. dcLengths, .. Enumerable.Range(0, 12).Select(i => (byte)i)]);
        byte[] acLengths = new byte[16];
        acLengths[0] = 1;
        JpegSegment(stream, 0xC4, [0x10, .. acLengths, 0x00]);
        JpegSegment(stream, 0xDA, [4, 1, 0x00, 2, 0x00, 3, 0x00, 4, 0x00, 0, 63, 0]);
        var bits = new JpegBits(stream);
        var previous = new int[4];
        foreach (byte[] block in blocks)
        {
            for (int c = 0; c < 4; c++)
            {
                int dc = 8 * (block[c] - 128);
                int diff = dc - previous[c];
                previous[c] = dc;
                int size = diff == 0 ? 0 : 32 - int.LeadingZeroCount(Math.Abs(diff));
                bits.Write(size, 4);
                bits.Write(diff >= 0 ? diff : diff + (1 << size) - 1, size);
                bits.Write(0, 1); // end of block: no AC coefficients
            }
        }

        bits.Flush();
        stream.Write([0xFF, 0xD9]);
        var rgb = new byte[16 * 8 * 3];
        for (int y = 0; y < 8; y++)
        {
            for (int x = 0; x < 16; x++)
            {
                byte[] block = blocks[x / 8];
                for (int c = 0; c < 3; c++)
                {
                    rgb[(y * 16 + x) * 3 + c] = (byte)Math.Round(block[c] * block[3] / 255.0);
                }
            }
        }

        return new FaultImage("CMYK JPEG", "cmyk.jpg", stream.ToArray(), new ExpectedPixels(16, 8, rgb, StoredGrey: false, Tolerance: 2));
    }

    private static void JpegSegment(Stream stream, byte marker, byte[] data)
    {
        stream.Write([0xFF, marker, (byte)((data.Length + 2) >> 8), (byte)(data.Length + 2)]);
        stream.Write(data);
    }

    /// <summary>Entropy-coded bits, most significant first, with JPEG's byte stuffing and padding with ones.</summary>
    private sealed class JpegBits(Stream stream)
    {
        private int _value;
        private int _count;

        public void Write(int value, int count)
        {
            for (int i = count - 1; i >= 0; i--)
            {
                _value = (_value << 1) | ((value >> i) & 1);
                if (++_count == 8)
                {
                    Emit();
                }
            }
        }

        public void Flush()
        {
            while (_count != 0)
            {
                Write(1, 1);
            }
        }

        private void Emit()
        {
            stream.WriteByte((byte)_value);
            if (_value == 0xFF)
            {
                stream.WriteByte(0);
            }

            (_value, _count) = (0, 0);
        }
    }
}
