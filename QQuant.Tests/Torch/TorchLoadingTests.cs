using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Tests.Torch;

public class TorchLoadingTests
{
    [Fact]
    public void The_test_host_loads_libtorch_and_runs_a_tensor_operation()
    {
        TorchEnvironment.EnsureLoaded();
        using var scope = NewDisposeScope();

        // [[1,2],[3,4]] @ [[5,6],[7,8]] = [[19,22],[43,50]], computed by hand.
        Tensor a = tensor(new double[] { 1, 2, 3, 4 }, dtype: ScalarType.Float64).reshape(2, 2);
        Tensor b = tensor(new double[] { 5, 6, 7, 8 }, dtype: ScalarType.Float64).reshape(2, 2);
        double[] product = a.matmul(b).data<double>().ToArray();

        Assert.Equal([19.0, 22.0, 43.0, 50.0], product);
    }

    [Fact]
    public void Autograd_works_in_the_test_host()
    {
        using var scope = NewDisposeScope();
        Tensor x = tensor(new double[] { 1.5, -2.0 }, dtype: ScalarType.Float64, requires_grad: true);

        (x * x * x).sum().backward();

        // d/dx x^3 = 3x^2: 6.75 and 12.
        Assert.Equal([6.75, 12.0], x.grad!.data<double>().ToArray());
    }

    [Fact]
    public void The_environment_report_describes_a_loaded_cpu_torch()
    {
        TorchEnvironmentReport report = TorchEnvironment.Describe();

        Assert.True(report.TorchLoaded, report.TorchLoadError);
        Assert.Null(report.TorchLoadError);
        Assert.Equal("0.107.0", report.TorchSharpVersion);
        Assert.StartsWith("0.1.0", report.QQuantVersion);
        Assert.StartsWith("2.", report.LibTorchVersion);
        Assert.True(report.Threads >= 1);
        Assert.Equal(torch.cuda.is_available(), report.CudaAvailable);
        Assert.Equal(report.CudaAvailable ? torch.cuda.device_count() : 0, report.CudaDevices.Count);
        Assert.Contains(report.BackendPackages, p => p.StartsWith("TorchSharp-", StringComparison.Ordinal));
        Assert.Contains(report.BackendPackages, p => p.StartsWith("libtorch-", StringComparison.Ordinal));
        Assert.Equal(Environment.ProcessorCount, report.ProcessorCount);
    }

    [Fact]
    public void A_load_failure_becomes_a_QQuantException_that_explains_the_native_library()
    {
        var native = new NativeLibraryReport
        {
            State = NativePatchState.Missing,
            Summary = "/app/libLibTorchSharp.so needs GLIBCXX_3.4.32, which /usr/lib/libstdc++.so.6 lacks.",
        };
        var torchSharpError = new TypeInitializationException("TorchSharp.torch",
            new NotSupportedException("This application or script uses TorchSharp but doesn't contain a reference to libtorch-cpu-linux-x64."));

        QQuantException error = new TorchLoadException(native, torchSharpError);

        Assert.Contains(native.Summary, error.Message);
        Assert.Contains("-p:QQuantPatchLibTorchSharp=false", error.Message);
        Assert.Contains("doesn't contain a reference to libtorch-cpu-linux-x64", error.Message);
        Assert.Same(torchSharpError, error.InnerException);
    }
}
