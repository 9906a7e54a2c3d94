using System.Diagnostics;

namespace QQuant.Tests.Export;

/// <summary>
/// Runs Python scripts that use Debian's <c>python3-onnx</c> (onnx 1.12: IR version 8, operator sets up to 17), as a
/// second opinion on the files the .NET writer produces. A missing package fails the test with the package's name:
/// CI installs it (<c>.ci/run</c>), so a silent skip would hide a broken machine.
/// </summary>
internal static class PythonOnnx
{
    /// <summary>Debian's interpreter, which is where apt installs python3-onnx; another python3 on PATH (pyenv) may lack it.</summary>
    private static string Interpreter => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    /// <summary>Runs <paramref name="script"/> with <paramref name="arguments"/> and returns its standard output; fails the test if it exits with an error.</summary>
    public static string Run(string script, params string[] arguments)
    {
        (int exitCode, string output, string error) = Execute("import onnx", []);
        if (exitCode != 0)
        {
            Assert.Fail($"{Interpreter} cannot import onnx: install the Debian package python3-onnx (apt-get install python3-onnx; .ci/run installs it). {error.Trim()}");
        }

        (exitCode, output, error) = Execute(script, arguments);
        Assert.True(exitCode == 0, $"The Python script failed (exit code {exitCode}):\n{error}\n{output}");
        return output;
    }

    /// <summary>Runs <paramref name="script"/> and returns its exit code, standard output and standard error.</summary>
    public static (int ExitCode, string Output, string Error) Execute(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo(Interpreter) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{Interpreter} did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, "", $"{Interpreter} is not installed ({e.Message})");
        }

        using (process)
        {
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"{Interpreter} did not finish within two minutes.");
            }

            return (process.ExitCode, output.Result, error.Result);
        }
    }
}
