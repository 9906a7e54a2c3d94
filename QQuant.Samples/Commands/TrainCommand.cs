using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Distributed;
using QQuant.Training;
using QQuant.Vision;

namespace QQuant.Samples.Commands;

/// <summary>
/// <c>qquant train &lt;config&gt;</c>: the reference's <c>tools/train.py</c>. Resolves the config (<c>_base_</c>,
/// <c>--options</c>), writes it into the work dir, trains with logs and checkpoints there. <c>--launcher mpi</c>
/// trains data parallel over the processes <c>mpirun</c> started (the reference's <c>tools/dist_train.sh</c>).
/// </summary>
internal static class TrainCommand
{
    public static Command Create(TextWriter output, TextWriter error, TerminalProgress progress)
    {
        var config = new Argument<FileInfo>("config") { Description = "The JSON training config." };
        var workDir = new Option<DirectoryInfo?>("--work-dir") { Description = "Where logs and checkpoints go (default: the config's workDir, else work_dirs/<config name>)." };
        var resumeFrom = new Option<string?>("--resume-from") { Description = "A checkpoint to continue from (weights, optimizer, epoch), or latest for the work dir's latest.ckpt." };
        var loadFrom = new Option<string?>("--load-from") { Description = "A checkpoint or state dict to start from (weights only, non-strict)." };
        var noValidate = new Option<bool>("--no-validate") { Description = "Do not evaluate during training." };
        var seed = new Option<long?>("--seed") { Description = "The random seed (default: the config's, else 0)." };
        var deterministic = new Option<bool>("--deterministic") { Description = "Use deterministic kernels." };
        var device = CliOptions.Device();
        var launcher = new Option<string>("--launcher")
        {
            Description = "none (this process alone) or mpi (data parallel over the processes mpirun started: mpirun -np 4 --bind-to none qquant train <config> --launcher mpi).",
            DefaultValueFactory = _ => "none",
        }.AcceptOnly("none", "mpi");
        var syncBn = new Option<bool>("--sync-bn") { Description = "With --launcher mpi: synchronise BatchNorm statistics over the processes (SyncBatchNorm); by default each keeps its own, as PyTorch DDP does." };
        var options = CliOptions.ConfigOverrides();
        var command = new Command("train", "Train (or QAT-fine-tune) a classifier from a config.")
        {
            config, workDir, resumeFrom, loadFrom, noValidate, seed, deterministic, device, launcher, syncBn, options,
        };
        command.SetAction(parsed =>
        {
            using IProcessGroup group = parsed.GetValue(launcher) == "mpi" ? StartMpi() : SingleProcessGroup.Instance;
            using ServiceProvider services = CliServices.Create();
            var overrides = new TrainingOverrides
            {
                WorkDir = parsed.GetValue(workDir)?.FullName,
                ResumeFrom = parsed.GetValue(resumeFrom),
                LoadFrom = parsed.GetValue(loadFrom),
                NoValidate = parsed.GetValue(noValidate),
                Seed = parsed.GetValue(seed),
                Deterministic = parsed.GetValue(deterministic) ? true : null,
                Device = parsed.GetValue(device),
                ProcessGroup = group,
                SyncBatchNorm = parsed.GetValue(syncBn),
                Progress = group.Rank == 0 ? progress : null,
            };
            using TrainingRun run = DistributedFailure.Prepare(group, () => services.GetRequiredService<ClassifierTrainer>().Prepare(
                ConfigDocument.Load(parsed.GetValue(config)!.FullName, parsed.GetValue(options)), overrides, output));
            TrainingResult result = DistributedFailure.Train(group, error, CliErrors.IsVerbose(parsed), run.Run);
            if (group.Rank != 0)
            {
                return 0;
            }

            string metrics = string.Join(", ", result.LastMetrics.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key}: {m.Value:0.00}")));
            output.WriteLine($"trained {result.Epochs} epochs ({result.Iterations} iterations) in {result.Seconds:0} s"
                             + (metrics.Length > 0 ? $"; {metrics}" : "") + (result.LastCheckpoint is { } c ? $"; checkpoint {c}" : ""));
            return 0;
        });
        return command;
    }

    private static MpiProcessGroup StartMpi()
    {
        MpiProcessGroup group = MpiProcessGroup.Start();
        MpiProcessGroup.ShareCores();
        return group;
    }
}
