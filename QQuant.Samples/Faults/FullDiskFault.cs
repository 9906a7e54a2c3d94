using QQuant.Training;
using static TorchSharp.torch;

namespace QQuant.Samples.Faults;

/// <summary>
/// <c>full-disk</c>: a checkpoint written, the way the trainer writes it (<c>epoch_k.ckpt</c>, then <c>latest.ckpt</c>),
/// onto a small tmpfs that the previous checkpoint and a filler left too little room on; disk sizes, fill levels and
/// checkpoint sizes vary, and the last case runs a real <see cref="Trainer{TBatch}"/> into the full disk.
/// </summary>
internal sealed class FullDiskFault : IFaultClass
{
    private static readonly long[] DiskSizes = [256 * 1024, 512 * 1024, 1024 * 1024];
    private static readonly double[] FreeShares = [0, 0.25, 0.5, 0.8];

    public string Name => "full-disk";

    public string Description =>
        "A checkpoint written onto a full disk: survived = a CheckpointFileException saying the disk is full, the previous latest.ckpt intact, no temporary file left.";

    public int Cases(bool full) => full ? 20 : 4;

    public FaultOutcome Run(FaultRun run)
    {
        if (SmallDisk.WhyUnavailable(run.Folder) is { } why)
        {
            return new FaultOutcome(0, 0, 0, [$"not tried: {why}"]);
        }

        var random = new Random(run.Seed);
        var tally = new FaultTally();
        for (int i = 0; i < run.Cases; i++)
        {
            long diskSize = DiskSizes[i % DiskSizes.Length];
            double freeShare = FreeShares[i / DiskSizes.Length % FreeShares.Length];
            int width = random.Next(diskSize <= 256 * 1024 ? 250 : 400, diskSize <= 256 * 1024 ? 450 : 1500);
            bool trainer = i == run.Cases - 1;
            string what = trainer
                ? $"a Trainer run on a {diskSize / 1024} KiB disk"
                : $"a width-{width} checkpoint on a {diskSize / 1024} KiB disk with {freeShare:P0} of its size free";
            run.Progress.WriteLine(what);
            using SmallDisk disk = SmallDisk.Mount(Path.Combine(run.Folder, $"disk-{i}"), diskSize);
            (string? failure, bool lostData) = trainer
                ? TrainerCase(disk, (ulong)run.Seed + (ulong)i)
                : SaveCase(disk, run.Folder, (ulong)run.Seed + (ulong)i, width, freeShare);
            if (failure is null)
            {
                tally.Pass();
            }
            else
            {
                tally.Fail($"{what}: {failure}", lostData);
            }
        }

        return tally.Outcome();
    }

    /// <summary>epoch_1 + latest, fill the disk, then epoch_2 (of <paramref name="width"/>) through the trainer's calls.</summary>
    private static (string? Failure, bool LostData) SaveCase(SmallDisk disk, string scratch, ulong seed, int width, double freeShare)
    {
        string first = CheckpointFiles.ForEpoch(disk.Folder, 1);
        SampleCheckpoint previous = SampleCheckpoint.Save(first, seed);
        CheckpointFiles.UpdateLatest(first);
        string sizing = Path.Combine(scratch, "sizing.ckpt");
        SampleCheckpoint.Save(sizing, seed + 1, width);
        long size = new FileInfo(sizing).Length;
        File.Delete(sizing);
        disk.Fill((long)(size * freeShare));

        string second = CheckpointFiles.ForEpoch(disk.Folder, 2);
        Exception? error = null;
        try
        {
            SampleCheckpoint.Save(second, seed + 1, width);
            CheckpointFiles.UpdateLatest(second);
        }
        catch (Exception e)
        {
            error = e;
        }

        return Judge(disk.Folder, second, error, latest => previous.Differs(latest, seed));
    }

    /// <summary>A trainer writes epoch 1's checkpoint, the disk fills, and epoch 2's checkpoint does not fit.</summary>
    private static (string? Failure, bool LostData) TrainerCase(SmallDisk disk, ulong seed)
    {
        using var scope = NewDisposeScope();
        using var task = new TinyTrainingTask(width: 1500, seed);
        using TrainingOptimizer optimizer = OptimizerFactory.Create(task.Model, new OptimizerConfig { Type = "Adam", Lr = 0.01 });
        using var log = new TrainingLog(TextWriter.Null, null, DateTimeOffset.Now);
        var options = new TrainerOptions { TotalEpochs = 2, WorkDir = disk.Folder, Seed = (long)seed, EvaluationInterval = 0 };
        var trainer = new Trainer<FeatureBatch>(task, optimizer, new LrSchedule(new LrConfig(), 0.01, 2, task.IterationsPerEpoch), options, log);
        trainer.Run(untilEpoch: 1);
        string latest = CheckpointFiles.Latest(disk.Folder);
        byte[] saved = File.ReadAllBytes(latest);
        disk.Fill(16 * 1024);

        Exception? error = null;
        try
        {
            trainer.Run();
        }
        catch (Exception e)
        {
            error = e;
        }

        return Judge(disk.Folder, CheckpointFiles.ForEpoch(disk.Folder, 2), error,
            path => File.ReadAllBytes(path).AsSpan().SequenceEqual(saved) ? null : "its bytes changed");
    }

    /// <summary>
    /// Survived: <paramref name="error"/> is a <see cref="CheckpointFileException"/> naming <paramref name="second"/> and
    /// saying the disk is full, latest.ckpt still holds the previous checkpoint, and no temporary or partial file is left.
    /// </summary>
    private static (string? Failure, bool LostData) Judge(string folder, string second, Exception? error, Func<string, string?> previousDiffers)
    {
        string latest = CheckpointFiles.Latest(folder);
        string? latestProblem;
        try
        {
            latestProblem = previousDiffers(latest);
        }
        catch (Exception e)
        {
            latestProblem = $"{e.GetType().Name}: {e.Message}";
        }

        if (latestProblem is not null)
        {
            return ($"the previous latest.ckpt is not intact: {latestProblem}", true);
        }

        string[] left = [.. Directory.GetFiles(folder).Select(Path.GetFileName).Where(n => n!.EndsWith(".tmp", StringComparison.Ordinal) || n == Path.GetFileName(second))!];
        if (left.Length > 0)
        {
            return ($"left {string.Join(", ", left)} behind ({Describe(error)})", false);
        }

        return error switch
        {
            null => ("the checkpoint was written although the disk was full (the case did not fill it)", false),
            CheckpointFileException e when e.FilePath == second && e.Message.Contains(second, StringComparison.Ordinal)
                                           && e.Message.Contains("disk is full", StringComparison.Ordinal) => (null, false),
            _ => ($"not a CheckpointFileException naming {Path.GetFileName(second)} and saying the disk is full: {Describe(error)}", false),
        };
    }

    private static string Describe(Exception? error) => error is null ? "no error" : $"{error.GetType().Name}: {error.Message}";
}
