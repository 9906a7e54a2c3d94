using System.Runtime.InteropServices;
using QQuant.Native;

namespace QQuant.Tests.Native;

public sealed class LibTorchSharpPatcherTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("qquant-patch-");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Patching_sets_the_weak_bit_of_GLIBCXX_3_4_32_and_changes_no_other_byte()
    {
        SyntheticElf elf = SyntheticElf.LikeLibTorchSharp(glibcxx3432Flags: 0);
        string path = Write(elf.Bytes);

        LibTorchSharpPatchResult result = LibTorchSharpPatcher.Patch(path);

        Assert.Equal(LibTorchSharpPatchOutcome.Patched, result.Outcome);
        byte[] patched = File.ReadAllBytes(path);
        long offset = elf.FlagsOffsets["GLIBCXX_3.4.32"];
        Assert.Equal([(int)offset], DifferingOffsets(elf.Bytes, patched));
        Assert.Equal(0x02, patched[offset]);
        Assert.True(ElfVersionInfo.Read(patched).FindNeed("GLIBCXX_3.4.32")!.IsWeak);
        Assert.Equal(["lib.so"], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Other_flag_bits_are_kept()
    {
        SyntheticElf elf = SyntheticElf.LikeLibTorchSharp(glibcxx3432Flags: 0x1);
        string path = Write(elf.Bytes);

        LibTorchSharpPatcher.Patch(path);

        Assert.Equal(0x03, File.ReadAllBytes(path)[elf.FlagsOffsets["GLIBCXX_3.4.32"]]);
    }

    [Fact]
    public void Patching_twice_changes_nothing_the_second_time()
    {
        string path = Write(SyntheticElf.LikeLibTorchSharp().Bytes);
        LibTorchSharpPatcher.Patch(path);
        byte[] once = File.ReadAllBytes(path);
        DateTime written = File.GetLastWriteTimeUtc(path);

        LibTorchSharpPatchResult second = LibTorchSharpPatcher.Patch(path);

        Assert.Equal(LibTorchSharpPatchOutcome.AlreadyWeak, second.Outcome);
        Assert.Equal(once, File.ReadAllBytes(path));
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public void The_patched_file_keeps_the_original_last_write_time_and_permissions()
    {
        string path = Write(SyntheticElf.LikeLibTorchSharp().Bytes);
        var original = new DateTime(2026, 5, 7, 12, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, original);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead);
        }

        LibTorchSharpPatcher.Patch(path);

        Assert.Equal(original, File.GetLastWriteTimeUtc(path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void A_library_without_the_need_is_left_alone()
    {
        byte[] bytes = SyntheticElf.LikeLibStdCxx(30).Bytes;
        string path = Write(bytes);

        Assert.Equal(LibTorchSharpPatchOutcome.NotRequired, LibTorchSharpPatcher.Patch(path).Outcome);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_missing_file_is_reported_not_created()
    {
        string path = Path.Combine(_folder.Path, "absent.so");

        Assert.Equal(LibTorchSharpPatchOutcome.FileMissing, LibTorchSharpPatcher.Patch(path).Outcome);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_file_that_is_not_elf_is_left_untouched_with_the_reason()
    {
        byte[] bytes = "#!/bin/sh\necho this is not a shared library, but it is long enough to be read\n"u8.ToArray();
        string path = Write(bytes);

        LibTorchSharpPatchResult result = LibTorchSharpPatcher.Patch(path);

        Assert.Equal(LibTorchSharpPatchOutcome.NotPatchable, result.Outcome);
        Assert.Contains("not an ELF file", result.Detail);
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Equal(["lib.so"], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_hard_link_is_replaced_so_the_file_it_shares_data_with_is_never_written()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "hard links are created with libc's link()");
        byte[] bytes = SyntheticElf.LikeLibTorchSharp().Bytes;
        string cache = Directory.CreateDirectory(Path.Combine(_folder.Path, "nuget-cache")).FullName;
        string cached = Path.Combine(cache, "libLibTorchSharp.so");
        File.WriteAllBytes(cached, bytes);
        string output = Path.Combine(_folder.Path, "libLibTorchSharp.so");
        Assert.Equal(0, link(cached, output));

        Assert.Equal(LibTorchSharpPatchOutcome.Patched, LibTorchSharpPatcher.Patch(output).Outcome);

        Assert.Equal(bytes, File.ReadAllBytes(cached));
        Assert.NotEqual(bytes, File.ReadAllBytes(output));
    }

    [Fact]
    public void A_symbolic_link_is_replaced_by_a_patched_file_and_its_target_is_never_written()
    {
        byte[] bytes = SyntheticElf.LikeLibTorchSharp().Bytes;
        string target = Path.Combine(Directory.CreateDirectory(Path.Combine(_folder.Path, "cache")).FullName, "libLibTorchSharp.so");
        File.WriteAllBytes(target, bytes);
        string output = Path.Combine(_folder.Path, "libLibTorchSharp.so");
        File.CreateSymbolicLink(output, target);

        Assert.Equal(LibTorchSharpPatchOutcome.Patched, LibTorchSharpPatcher.Patch(output).Outcome);

        Assert.Equal(bytes, File.ReadAllBytes(target));
        Assert.Null(new FileInfo(output).LinkTarget);
        Assert.True(ElfVersionInfo.Read(File.ReadAllBytes(output)).FindNeed("GLIBCXX_3.4.32")!.IsWeak);
    }

    private string Write(byte[] bytes) => _folder.Write("lib.so", bytes);

    private static int[] DifferingOffsets(byte[] a, byte[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return Enumerable.Range(0, a.Length).Where(i => a[i] != b[i]).ToArray();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int link(string existing, string newLink);
}
