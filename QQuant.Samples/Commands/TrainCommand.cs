using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Training;
using QQuant.Vision;

namespace QQuant.Samples.Commands;

/// <summary>
/// <c>qquant train &lt;config&gt;</c>: the reference's <c>tools/train.py</c>. Resolves the config (<c>_base_</c>,
/// <c>--options</c>), writes it into the work dir, trains with logs and checkpoints there.
/// </summary>
internal static class TrainCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var config = new Argument<FileInfo>("config") { Description = "The JSON training config." };
        var workDir = new Option<string?>("--work-dir") { Description = "Where logs and checkpoints go (default: the config's workDir, else work_dirs/<config name>)." };
        var resumeFrom = new Option<string?>("--resume-from") { Description = "A checkpoint to continue from (weights, optimizer, epoch)." };
        var loadFrom = new Option<string?>("--load-from") { Description = "A checkpoint or state dict to start from (weights only, non-strict)." };
        var noValidate = new Option<bool>("--no-validate") { Description = "Do not evaluate during training." };
        var seed = new Option<long?>("--seed") { Description = "The random seed (default: the config's, else 0)." };
        var deterministic = new Option<bool>("--deterministic") { Description = "Use deterministic kernels." };
        var device = new Option<string?>("--device") { Description = "cpu, cuda or cuda:N (default: the config's)." };
        var options = ConfigOptions.Create();
        var verbose = CliErrors.VerboseOption();
        var command = new Command("train", "Train (or QAT-fine-tune) a classifier from a config.")
        {
            config, workDir, resumeFrom, loadFrom, noValidate, seed, deterministic, device, options, verbose,
        };
        command.SetAction(parsed => CliErrors.Run(error, parsed.GetValue(verbose), () =>
        {
            using ServiceProvider services = CliServices.Create();
            ConfigDocument document = ConfigDocument.Load(parsed.GetValue(config)!.FullName, parsed.GetValue(options));
            var overrides = new TrainingOverrides
            {
                WorkDir = parsed.GetValue(workDir),
                ResumeFrom = parsed.GetValue(resumeFrom),
                LoadFrom = parsed.GetValue(loadFrom),
                NoValidate = parsed.GetValue(noValidate),
                Seed = parsed.GetValue(seed),
                Deterministic = parsed.GetValue(deterministic) ? true : null,
                Device = parsed.GetValue(device),
            };
            using TrainingRun run = services.GetRequiredService<ClassifierTrainer>().Prepare(document, overrides, output);
            TrainingResult result = run.Run();
            string metrics = string.Join(", ", result.LastMetrics.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key}: {m.Value:0.00}")));
            output.WriteLine($"trained {result.Epochs} epochs ({result.Iterations} iterations) in {result.Seconds:0} s"
                             + (metrics.Length > 0 ? $"; {metrics}" : "") + (result.LastCheckpoint is { } c ? $"; checkpoint {c}" : ""));
            return 0;
        }));
        return command;
    }
}
