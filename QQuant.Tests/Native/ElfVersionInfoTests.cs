using QQuant.Native;

namespace QQuant.Tests.Native;

public class ElfVersionInfoTests
{
    [Fact]
    public void Reads_every_needed_version_with_its_file_flags_and_flags_offset()
    {
        SyntheticElf elf = SyntheticElf.LikeLibTorchSharp(glibcxx3432Flags: 0);

        ElfVersionInfo info = ElfVersionInfo.Read(elf.Bytes);

        Assert.Equal(
            ["libstdc++.so.6:GLIBCXX_3.4.26", "libstdc++.so.6:GLIBCXX_3.4.32", "libstdc++.so.6:CXXABI_1.3.1", "libc.so.6:GLIBC_2.2.5", "libc.so.6:GLIBC_2.14"],
            info.Needs.Select(n => $"{n.File}:{n.Version}"));
        ElfVersionNeed need = Assert.IsType<ElfVersionNeed>(info.FindNeed("GLIBCXX_3.4.32"));
        Assert.Equal(elf.FlagsOffsets["GLIBCXX_3.4.32"], need.FlagsOffset);
        Assert.False(need.IsWeak);
        Assert.Empty(info.Definitions);
    }

    [Fact]
    public void A_need_whose_flags_have_bit_0x2_is_weak()
    {
        SyntheticElf elf = SyntheticElf.LikeLibTorchSharp(glibcxx3432Flags: 0x2);

        ElfVersionNeed need = ElfVersionInfo.Read(elf.Bytes).FindNeed("GLIBCXX_3.4.32")!;

        Assert.True(need.IsWeak);
        Assert.Equal(0x2, need.Flags);
    }

    [Fact]
    public void Reads_version_definitions_in_order()
    {
        SyntheticElf elf = SyntheticElf.LikeLibStdCxx(newest: 3);

        Assert.Equal(
            ["libstdc++.so.6", "GLIBCXX_3.4", "GLIBCXX_3.4.1", "GLIBCXX_3.4.2", "GLIBCXX_3.4.3", "CXXABI_1.3"],
            ElfVersionInfo.Read(elf.Bytes).Definitions);
    }

    [Fact]
    public void A_missing_version_is_not_found()
    {
        Assert.Null(ElfVersionInfo.Read(SyntheticElf.LikeLibStdCxx(30).Bytes).FindNeed("GLIBCXX_3.4.32"));
    }

    public static TheoryData<string, Func<byte[], byte[]>, string> Malformed => new()
    {
        { "text file", _ => "just some text, long enough to hold an ELF header if it were one......"u8.ToArray(), "not an ELF file" },
        { "too short", b => b[..40], "not an ELF file" },
        { "32-bit", b => With(b, 4, 1), "not ELF64" },
        { "big-endian", b => With(b, 5, 2), "not little-endian" },
        { "no section headers", b => With(With(b, 0x3C, 0), 0x3D, 0), "no section headers" },
        { "section table past the end", b => With(b, 0x2F, 0x40), "section header table lies outside the file" },
        { "truncated inside a section", b => TruncatedVerneed(b), "outside" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_images_are_rejected_with_a_reason(string what, Func<byte[], byte[]> corrupt, string reason)
    {
        byte[] image = corrupt(SyntheticElf.LikeLibTorchSharp().Bytes);

        ElfFormatException error = Assert.Throws<ElfFormatException>(() => ElfVersionInfo.Read(image));

        Assert.True(error.Message.Contains(reason, StringComparison.Ordinal), $"{what}: '{error.Message}' does not say '{reason}'");
    }

    private static byte[] With(byte[] image, int offset, byte value)
    {
        byte[] copy = (byte[])image.Clone();
        copy[offset] = value;
        return copy;
    }

    // Keep the section headers (moved to the front of the cut) but claim a verneed section longer than the file.
    private static byte[] TruncatedVerneed(byte[] image)
    {
        byte[] copy = (byte[])image.Clone();
        long shoff = BitConverter.ToInt64(copy, 0x28);
        long verneedHeader = shoff + 2 * 64;
        BitConverter.GetBytes((ulong)copy.Length).CopyTo(copy, (int)verneedHeader + 32);
        return copy;
    }
}
