using System.Diagnostics;

namespace QQuant.Tests.Distributed;

/// <summary>Runs a launcher (mpirun, mpiexec.mpich) to the end and returns its exit code and output.</summary>
internal static class LaunchedProcess
{
    /// <summary>Runs <paramref name="program"/> with <paramref name="arguments"/>; fails the test when it outlasts <paramref name="limit"/>.</summary>
    public static (int Code, string Output) Run(string program, IEnumerable<string> arguments, TimeSpan limit)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        arguments.ToList().ForEach(start.ArgumentList.Add);
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Path.GetFileName(program)} did not finish in {limit.TotalMinutes:0} minutes:\n{output.Result}\n{error.Result}");
        }

        return (process.ExitCode, output.Result + error.Result);
    }
}
