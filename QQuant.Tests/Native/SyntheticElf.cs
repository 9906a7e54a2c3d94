using System.Text;

namespace QQuant.Tests.Native;

/// <summary>
/// Writes minimal little-endian ELF64 images with the sections the version reader looks at: a string table,
/// .gnu.version_r (what the image needs) and .gnu.version_d (what it defines). Built byte by byte from the
/// ELF/LSB layouts, independently of the reader under test, and records where each vna_flags field lands.
/// </summary>
internal sealed class SyntheticElf
{
    private const int SectionHeaderSize = 64;

    private SyntheticElf(byte[] bytes, Dictionary<string, long> flagsOffsets)
    {
        Bytes = bytes;
        FlagsOffsets = flagsOffsets;
    }

    public byte[] Bytes { get; }

    /// <summary>File offset of vna_flags for each needed version name.</summary>
    public IReadOnlyDictionary<string, long> FlagsOffsets { get; }

    public static SyntheticElf Build(
        IReadOnlyList<(string File, (string Version, ushort Flags)[] Versions)> needs,
        IReadOnlyList<string>? definitions = null)
    {
        definitions ??= [];
        var strings = new MemoryStream();
        var stringOffsets = new Dictionary<string, uint>();
        strings.WriteByte(0);
        uint Str(string s)
        {
            if (!stringOffsets.TryGetValue(s, out uint at))
            {
                at = (uint)strings.Length;
                strings.Write(Encoding.ASCII.GetBytes(s));
                strings.WriteByte(0);
                stringOffsets[s] = at;
            }
            return at;
        }

        // .gnu.version_r: each Verneed (16 bytes) is followed by its Vernaux entries (16 bytes each).
        var verneed = new MemoryStream();
        var flagsInSection = new Dictionary<string, long>();
        for (int i = 0; i < needs.Count; i++)
        {
            (string file, (string Version, ushort Flags)[] versions) = needs[i];
            bool last = i == needs.Count - 1;
            Write16(verneed, 1);
            Write16(verneed, (ushort)versions.Length);
            Write32(verneed, Str(file));
            Write32(verneed, 16);
            Write32(verneed, last ? 0u : (uint)(16 + 16 * versions.Length));
            for (int v = 0; v < versions.Length; v++)
            {
                Write32(verneed, 0x0abcdef0u + (uint)v);                  // vna_hash (not checked by the reader)
                flagsInSection[versions[v].Version] = verneed.Length;
                Write16(verneed, versions[v].Flags);
                Write16(verneed, (ushort)(2 + v));                        // vna_other
                Write32(verneed, Str(versions[v].Version));
                Write32(verneed, v == versions.Length - 1 ? 0u : 16u);
            }
        }

        // .gnu.version_d: each Verdef (20 bytes) is followed by one Verdaux (8 bytes) naming it.
        var verdef = new MemoryStream();
        for (int d = 0; d < definitions.Count; d++)
        {
            Write16(verdef, 1);
            Write16(verdef, 0);
            Write16(verdef, (ushort)(d + 1));
            Write16(verdef, 1);
            Write32(verdef, 0);
            Write32(verdef, 20);
            Write32(verdef, d == definitions.Count - 1 ? 0u : 28u);
            Write32(verdef, Str(definitions[d]));
            Write32(verdef, 0);
        }

        long strtabOffset = 64;
        long verneedOffset = Align(strtabOffset + strings.Length);
        long verdefOffset = Align(verneedOffset + verneed.Length);
        long sectionHeaders = Align(verdefOffset + verdef.Length);
        int sectionCount = definitions.Count > 0 ? 4 : 3;

        var image = new MemoryStream();
        image.Write([0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0]);
        image.Write(new byte[8]);
        Write16(image, 3);                                               // e_type ET_DYN
        Write16(image, 62);                                              // e_machine x86-64
        Write32(image, 1);                                               // e_version
        Write64(image, 0);                                               // e_entry
        Write64(image, 0);                                               // e_phoff
        Write64(image, (ulong)sectionHeaders);                           // e_shoff
        Write32(image, 0);                                               // e_flags
        Write16(image, 64);                                              // e_ehsize
        Write16(image, 56);                                              // e_phentsize
        Write16(image, 0);                                               // e_phnum
        Write16(image, SectionHeaderSize);                               // e_shentsize
        Write16(image, (ushort)sectionCount);                            // e_shnum
        Write16(image, 0);                                               // e_shstrndx (no names needed)

        PadTo(image, strtabOffset);
        strings.WriteTo(image);
        PadTo(image, verneedOffset);
        verneed.WriteTo(image);
        PadTo(image, verdefOffset);
        verdef.WriteTo(image);
        PadTo(image, sectionHeaders);

        image.Write(new byte[SectionHeaderSize]);                        // [0] SHT_NULL
        WriteSection(image, 3, strtabOffset, strings.Length, 0, 0);      // [1] SHT_STRTAB
        WriteSection(image, 0x6ffffffe, verneedOffset, verneed.Length, 1, (uint)needs.Count);
        if (definitions.Count > 0)
        {
            WriteSection(image, 0x6ffffffd, verdefOffset, verdef.Length, 1, (uint)definitions.Count);
        }

        var flagsOffsets = flagsInSection.ToDictionary(kv => kv.Key, kv => verneedOffset + kv.Value);
        return new SyntheticElf(image.ToArray(), flagsOffsets);
    }

    /// <summary>An image shaped like libLibTorchSharp.so: libstdc++ and libc needs, GLIBCXX_3.4.32 among them.</summary>
    public static SyntheticElf LikeLibTorchSharp(ushort glibcxx3432Flags = 0) => Build(
    [
        ("libstdc++.so.6", [("GLIBCXX_3.4.26", 0), ("GLIBCXX_3.4.32", glibcxx3432Flags), ("CXXABI_1.3.1", 0)]),
        ("libc.so.6", [("GLIBC_2.2.5", 0), ("GLIBC_2.14", 0)]),
    ]);

    /// <summary>An image shaped like a libstdc++.so.6 that defines GLIBCXX_3.4 .. GLIBCXX_3.4.<paramref name="newest"/>.</summary>
    public static SyntheticElf LikeLibStdCxx(int newest) => Build(
        [("libc.so.6", [("GLIBC_2.2.5", 0)])],
        ["libstdc++.so.6", "GLIBCXX_3.4", .. Enumerable.Range(1, newest).Select(n => $"GLIBCXX_3.4.{n}"), "CXXABI_1.3"]);

    private static void WriteSection(MemoryStream s, uint type, long offset, long size, uint link, uint info)
    {
        Write32(s, 0);                 // sh_name
        Write32(s, type);
        Write64(s, 2);                 // sh_flags SHF_ALLOC
        Write64(s, (ulong)offset);     // sh_addr
        Write64(s, (ulong)offset);     // sh_offset
        Write64(s, (ulong)size);
        Write32(s, link);
        Write32(s, info);
        Write64(s, 8);                 // sh_addralign
        Write64(s, 0);                 // sh_entsize
    }

    private static long Align(long at) => (at + 7) & ~7L;

    private static void PadTo(MemoryStream s, long at)
    {
        while (s.Length < at) s.WriteByte(0);
    }

    private static void Write16(Stream s, ushort v) => s.Write([(byte)v, (byte)(v >> 8)]);

    private static void Write32(Stream s, uint v) => s.Write([(byte)v, (byte)(v >> 8), (byte)(v >> 16), (byte)(v >> 24)]);

    private static void Write64(Stream s, ulong v)
    {
        Write32(s, (uint)v);
        Write32(s, (uint)(v >> 32));
    }
}
