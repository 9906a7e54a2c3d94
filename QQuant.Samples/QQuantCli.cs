using System.CommandLine;
using QQuant.Samples.Commands;

namespace QQuant.Samples;

/// <summary>
/// The <c>qquant</c> command line: one subcommand per task, usage on anything it does not know, and one
/// <c>--verbose</c> and one error handler (<see cref="CliErrors"/>) for all of them.
/// </summary>
internal static class QQuantCli
{
    public static RootCommand Build(TextWriter output, TextWriter error) =>
        new("qquant: quantization-aware training for TorchSharp models.")
        {
            CliErrors.VerboseOption(),
            InfoCommand.Create(output),
            PlanCommand.Create(output),
            TrainCommand.Create(output, error),
            TestCommand.Create(output),
            PredictCommand.Create(output),
            ExportCommand.Create(output),
            AnalyzeCommand.Create(output),
            QuickstartCommand.Create(output),
            new Command("bench", "Measure QQuant's speed and accuracy.")
            {
                BenchDataCommand.Create(output),
                BenchAccuracyCommand.Create(output, error),
                BenchAnalyzeCommand.Create(output),
                BenchKernelsCommand.Create(output),
                BenchQatCommand.Create(output),
                BenchExportCommand.Create(output),
                BenchDistCommand.Create(output),
                BenchFaultsCommand.Create(output),
            },
        };

    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code (non-zero on bad usage).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) =>
        CliErrors.Invoke(Build(output, error).Parse(args), output, error);
}
