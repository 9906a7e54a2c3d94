using System.CommandLine;
using QQuant.Samples.Commands;

namespace QQuant.Samples;

/// <summary>
/// The <c>qquant</c> command line: one subcommand per task, usage on anything it does not know, and one
/// <c>--verbose</c> and one error handler (<see cref="CliErrors"/>) for all of them. Long work shows its progress
/// through <see cref="TerminalProgress"/>: on standard error when it is a terminal, nowhere otherwise.
/// </summary>
internal static class QQuantCli
{
    /// <summary>The commands, writing to <paramref name="output"/> and <paramref name="error"/>; <paramref name="progress"/> null: none shown.</summary>
    public static RootCommand Build(TextWriter output, TextWriter error, TerminalProgress? progress = null)
    {
        progress ??= new TerminalProgress(error, isTerminal: false);
        return new("qquant: quantization-aware training for TorchSharp models.")
        {
            CliErrors.VerboseOption(),
            InfoCommand.Create(output),
            PlanCommand.Create(output),
            TrainCommand.Create(output, error, progress),
            TestCommand.Create(output, progress),
            PredictCommand.Create(output),
            ExportCommand.Create(output, progress),
            AnalyzeCommand.Create(output, progress),
            QuickstartCommand.Create(output, progress),
            new Command("bench", "Measure QQuant's speed and accuracy.")
            {
                BenchDataCommand.Create(output, progress),
                BenchAccuracyCommand.Create(output, error, progress),
                BenchAnalyzeCommand.Create(output, progress),
                BenchKernelsCommand.Create(output, progress),
                BenchQatCommand.Create(output, progress),
                BenchExportCommand.Create(output, progress),
                BenchDistCommand.Create(output, progress),
                BenchFaultsCommand.Create(output, progress),
            },
        };
    }

    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code (non-zero on bad usage).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        TerminalProgress progress = TerminalProgress.For(error);
        return CliErrors.Invoke(Build(output, error, progress).Parse(args), output, error, progress);
    }
}
