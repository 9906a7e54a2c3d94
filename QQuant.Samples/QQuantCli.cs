using System.CommandLine;
using QQuant.Samples.Commands;

namespace QQuant.Samples;

/// <summary>The <c>qquant</c> command line: one subcommand per task, usage on anything it does not know.</summary>
internal static class QQuantCli
{
    public static RootCommand Build(TextWriter output, TextWriter error) =>
        new("qquant: quantization-aware training for TorchSharp models.")
        {
            InfoCommand.Create(output),
            PlanCommand.Create(output, error),
            TrainCommand.Create(output, error),
            TestCommand.Create(output, error),
            InferCommand.Create(output, error),
            ExportCommand.Create(output, error),
            AnalyzeCommand.Create(output, error),
            QuickstartCommand.Create(output, error),
            new Command("bench", "Measure QQuant's speed and accuracy.")
            {
                BenchDataCommand.Create(output, error),
                BenchAccuracyCommand.Create(output, error),
                BenchAnalyzeCommand.Create(output, error),
                BenchKernelsCommand.Create(output, error),
                BenchQatCommand.Create(output, error),
                BenchExportCommand.Create(output, error),
                BenchDistCommand.Create(output, error),
                BenchFaultsCommand.Create(output, error),
            },
            PredictCommand.Create(output, error),
        };

    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code (non-zero on bad usage).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ParseResult parsed = Build(output, error).Parse(args);
        return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }
}
