namespace QQuant.Tests.Distributed;

/// <summary>
/// Starts <see cref="MpiRankTests"/> in 2 processes with Debian's Open MPI (<c>.ci/run</c> installs
/// <c>openmpi-bin</c>), over shared memory and over TCP on loopback, as a second machine would connect, and with
/// MPICH (<c>mpich</c>), whose handles are integers where Open MPI's are pointers.
/// </summary>
public class MpiLaunchTests
{
    [Fact]
    public void Two_processes_agree_over_shared_memory() => Launch();

    [Fact]
    public void Two_processes_agree_over_tcp_on_loopback() => Launch("--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", "lo");

    [Fact]
    public void Without_an_mpi_library_starting_says_what_to_install()
    {
        string? before = Environment.GetEnvironmentVariable("QQUANT_MPI_LIBRARY");
        Environment.SetEnvironmentVariable("QQUANT_MPI_LIBRARY", "/no/such/libmpi.so.40");
        try
        {
            var e = Assert.Throws<QQuant.Distributed.DistributedException>(() => QQuant.Distributed.MpiProcessGroup.Start());
            Assert.Contains("/no/such/libmpi.so.40", e.Message, StringComparison.Ordinal);
            Assert.Contains("apt install openmpi-bin", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("QQUANT_MPI_LIBRARY", before);
        }
    }

    [Fact]
    public void Two_processes_agree_under_mpich()
    {
        string? mpiexec = Find("mpiexec.mpich");
        Assert.SkipWhen(mpiexec is null, "MPICH is not installed (apt install mpich)");
        Run(mpiexec!, ["-n", "2"]);
    }

    internal static string? Mpirun() => Find("mpirun");

    private static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    private static void Launch(params string[] transport)
    {
        string? mpirun = Mpirun();
        Assert.SkipWhen(mpirun is null, "Open MPI is not installed (apt install openmpi-bin)");
        Assert.SkipWhen(MpiRankTests.UnderMpirun, "already inside mpirun");
        Run(mpirun!, ["--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-np", "2", .. transport]);
    }

    private static void Run(string launcher, string[] options)
    {
        (int code, string text) = LaunchedProcess.Run(
            launcher, [.. options, "dotnet", typeof(MpiLaunchTests).Assembly.Location, "-method", MpiRankTests.Name], TimeSpan.FromMinutes(3));
        Assert.True(code == 0, text);
        // Each rank's runner prints its summary: the test ran (not skipped) and passed on both.
        Assert.Equal(2, text.Split('\n').Count(l => l.Contains("Total: 1, Errors: 0, Failed: 0, Skipped: 0", StringComparison.Ordinal)));
    }
}
