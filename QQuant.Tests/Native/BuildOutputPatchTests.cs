using System.Reflection;
using QQuant.Native;

namespace QQuant.Tests.Native;

/// <summary>
/// The real thing: the libLibTorchSharp.so that this test project's build copied next to it was patched by
/// QQuant.Core.targets, and the pristine copy in the NuGet cache was not touched.
/// </summary>
public class BuildOutputPatchTests
{
    [Fact]
    public void The_output_copy_differs_from_the_nuget_copy_in_exactly_the_weak_bit()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "the build patches Linux outputs only");
        string output = OutputCopy();
        string cached = NuGetCopy();

        byte[] original = File.ReadAllBytes(cached);
        byte[] patched = File.ReadAllBytes(output);

        ElfVersionNeed need = ElfVersionInfo.Read(original).FindNeed(LibTorchSharpPatcher.RequiredVersion)!;
        Assert.False(need.IsWeak, $"the NuGet cache copy {cached} must stay unpatched");
        Assert.Equal(original.Length, patched.Length);
        int[] differing = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToArray();
        Assert.Equal([(int)need.FlagsOffset], differing);
        Assert.Equal(original[need.FlagsOffset] | ElfVersionNeed.WeakFlag, patched[need.FlagsOffset]);
    }

    private static string OutputCopy()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", LibTorchSharpPatcher.FileName);
        Assert.True(File.Exists(path), $"{path} is missing from the test output");
        return path;
    }

    private static string NuGetCopy()
    {
        string root = typeof(BuildOutputPatchTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "NuGetPackageRoot").Value!;
        string version = typeof(TorchSharp.torch).Assembly.GetName().Version!.ToString(3);
        string path = Path.Combine(root, "torchsharp", version, "runtimes", "linux-x64", "native", LibTorchSharpPatcher.FileName);
        Assert.True(File.Exists(path), $"{path} is missing from the NuGet cache");
        return path;
    }
}
