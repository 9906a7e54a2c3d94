using QQuant.Native;

namespace QQuant.Tests.Native;

public sealed class NativeLibraryInspectorTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("qquant-inspect-");

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(0x2, 30, NativePatchState.Applied)]
    [InlineData(0x2, 33, NativePatchState.AppliedNotNeeded)]
    [InlineData(0x0, 32, NativePatchState.NotNeeded)]
    [InlineData(0x0, 30, NativePatchState.Missing)]
    public void The_verdict_follows_the_weak_bit_and_what_libstdcxx_defines(ushort flags, int newest, NativePatchState expected)
    {
        string library = _folder.Write("libLibTorchSharp.so", SyntheticElf.LikeLibTorchSharp(flags).Bytes);
        string libStdCxx = _folder.Write("libstdc++.so.6", SyntheticElf.LikeLibStdCxx(newest).Bytes);

        NativeLibraryReport report = NativeLibraryInspector.Inspect(library, libStdCxx);

        Assert.Equal(expected, report.State);
        Assert.Equal($"GLIBCXX_3.4.{newest}", report.NewestGlibcxx);
        Assert.Equal(library, report.LibraryPath);
        Assert.Equal(libStdCxx, report.LibStdCxxPath);
        Assert.Contains(library, report.Summary);
    }

    [Fact]
    public void A_library_that_does_not_ask_for_the_version_needs_no_patch()
    {
        string library = _folder.Write("libLibTorchSharp.so", SyntheticElf.Build([("libc.so.6", [("GLIBC_2.2.5", 0)])]).Bytes);

        Assert.Equal(NativePatchState.NotRequired, NativeLibraryInspector.Inspect(library, null).State);
    }

    [Fact]
    public void No_library_is_reported_as_not_found_with_a_hint_at_the_backend_package()
    {
        NativeLibraryReport report = NativeLibraryInspector.Inspect(null, null);

        Assert.Equal(NativePatchState.LibraryNotFound, report.State);
        Assert.Contains("TorchSharp-cpu", report.Summary);
    }

    [Fact]
    public void An_unreadable_library_names_the_file_and_the_reason()
    {
        string library = _folder.Write("libLibTorchSharp.so", "not an ELF file at all, just text of sufficient length here....."u8.ToArray());

        NativeLibraryReport report = NativeLibraryInspector.Inspect(library, null);

        Assert.Equal(NativePatchState.Unreadable, report.State);
        Assert.Contains(library, report.Summary);
        Assert.Contains("not an ELF file", report.Summary);
    }

    [Fact]
    public void An_unknown_libstdcxx_with_an_unpatched_library_is_reported_missing()
    {
        string library = _folder.Write("libLibTorchSharp.so", SyntheticElf.LikeLibTorchSharp(0).Bytes);

        NativeLibraryReport report = NativeLibraryInspector.Inspect(library, null);

        Assert.Equal(NativePatchState.Missing, report.State);
        Assert.Contains("not found", report.Summary);
    }

    [Fact]
    public void Glibcxx_versions_compare_as_numbers_not_text()
    {
        Assert.Equal("GLIBCXX_3.4.30", NativeLibraryInspector.NewestGlibcxx(["GLIBCXX_3.4.9", "GLIBCXX_3.4.30", "GLIBCXX_3.4.4", "CXXABI_1.3.99", "GLIBCXX_LDBL_3.4"]));
        Assert.Null(NativeLibraryInspector.NewestGlibcxx(["CXXABI_1.3"]));
    }

    [Fact]
    public void This_test_process_uses_a_patched_or_unneeding_library()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "the GLIBCXX patch concerns Linux only");
        TorchEnvironment.EnsureLoaded();

        NativeLibraryReport report = TorchEnvironment.InspectNativeLibrary();

        Assert.Contains(report.State, new[] { NativePatchState.Applied, NativePatchState.AppliedNotNeeded, NativePatchState.NotRequired });
        Assert.EndsWith("libLibTorchSharp.so", report.LibraryPath);
        Assert.NotNull(report.LibStdCxxPath);
    }
}
