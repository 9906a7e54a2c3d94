using System.Globalization;
using QQuant.Training;
using QQuant.Vision;

namespace QQuant.Samples.Faults;

/// <summary>
/// <c>kill-9</c>: trains <see cref="TinyTraining"/> with <c>qquant train</c> in a child process and kills it with
/// SIGKILL at a random moment (any time from the start, during the epochs, or while a checkpoint or the
/// <c>latest.ckpt</c> link is being written), once or twice a case, resuming from <c>latest.ckpt</c> after each
/// kill (or starting again when none was saved yet). A case survives when after every kill all checkpoint files load
/// and verify (see <see cref="WorkDirCheck"/>) and the final weights equal an uninterrupted run's bit for bit.
/// </summary>
internal sealed class KillNineFault : IFaultClass
{
    public string Name => "kill-9";

    public string Description =>
        "SIGKILL during short qquant train runs (start-up, epochs, checkpoint writes), then --resume-from latest: "
        + "every checkpoint left loads and the final weights equal an uninterrupted run's bit for bit";

    public int Cases(bool full) => full ? 30 : 3;

    public FaultOutcome Run(FaultRun run)
    {
        TinyTraining training = TinyTraining.Write(Path.Combine(run.Folder, "setup"));
        Reference reference = Reference.Train(training, Path.Combine(run.Folder, "uninterrupted"));
        run.Progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"kill-9: uninterrupted run {reference.Duration.TotalSeconds:0.0} s, its epochs {reference.TrainingSpan.TotalSeconds:0.0} s"));
        var random = new Random(run.Seed);
        var tally = new FaultTally();
        for (int i = 1; i <= run.Cases; i++)
        {
            string workDir = Path.Combine(run.Folder, $"case-{i}");
            var steps = new List<string>();
            (string? problem, bool lostData) = RunCase(training, reference, workDir, i, random, steps);
            string description = $"case {i} (seed {run.Seed}): {string.Join("; ", steps)}";
            run.Progress.WriteLine($"kill-9 {description}" + (problem is null ? "" : $" -> {problem}"));
            if (problem is null)
            {
                tally.Pass();
                Directory.Delete(workDir, recursive: true);
            }
            else
            {
                tally.Fail($"{description}: {problem}", lostData);
            }
        }

        return tally.Outcome();
    }

    private static (string? Problem, bool LostData) RunCase(
        TinyTraining training, Reference reference, string workDir, int caseNumber, Random random, List<string> steps)
    {
        Directory.CreateDirectory(workDir);
        int kills = 1 + random.Next(2);
        int latest = 0;
        bool finished = false;
        for (int k = 0; k < kills && !finished; k++)
        {
            // A case's first kill cycles through the kinds of moment, so even a reduced run tries each kind.
            int kind = k == 0 ? (caseNumber - 1) % KillMoment.Kinds : random.Next(KillMoment.Kinds);
            KillMoment moment = KillMoment.Draw(kind, random, reference, training.TotalEpochs - latest);
            using QQuantChild child = Start(training, workDir, latest);
            string? hung = moment.Apply(child, workDir, reference.Timeout);
            int temporaries = Directory.GetFiles(workDir, "*.tmp").Length;
            steps.Add($"{(latest > 0 ? $"resumed from epoch {latest}" : "started")}, {moment}"
                      + (child.HasExited && !child.WasKilled ? " (finished first)" : "")
                      + (temporaries > 0 ? $" ({temporaries} temporary files in the work dir)" : ""));
            if (hung is not null)
            {
                return (hung + ": " + child.Tail(), false);
            }

            if (!child.WasKilled)
            {
                if (child.ExitCode != 0)
                {
                    return ($"qquant train exited with code {child.ExitCode}: {child.Tail()}", false);
                }

                finished = true;
            }

            WorkDirCheck.Result state = WorkDirCheck.Inspect(workDir);
            if (!state.Passed)
            {
                return (state.Problem, state.LostData);
            }

            latest = state.LatestEpoch;
        }

        if (!finished)
        {
            using QQuantChild child = Start(training, workDir, latest);
            steps.Add(latest > 0 ? $"resumed from epoch {latest} to the end" : "started again to the end");
            if (!child.WaitForExit(reference.Timeout))
            {
                return ($"qquant train did not finish within {reference.Timeout.TotalSeconds:0} s: {child.Tail()}", false);
            }

            if (child.ExitCode != 0)
            {
                return ($"qquant train exited with code {child.ExitCode}: {child.Tail()}", false);
            }
        }

        WorkDirCheck.Result final = WorkDirCheck.Inspect(workDir);
        if (!final.Passed)
        {
            return (final.Problem, final.LostData);
        }

        if (final.LatestEpoch != training.TotalEpochs)
        {
            return ($"the finished run's latest.ckpt holds epoch {final.LatestEpoch}, not {training.TotalEpochs}", true);
        }

        return reference.Compare(CheckpointFiles.Latest(workDir)) is { } difference ? (difference, true) : (null, false);
    }

    private static QQuantChild Start(TinyTraining training, string workDir, int latestEpoch) =>
        QQuantChild.Start(latestEpoch > 0
            ? ["train", training.ConfigPath, "--work-dir", workDir, "--resume-from", ClassifierTrainer.LatestKeyword]
            : ["train", training.ConfigPath, "--work-dir", workDir]);

    /// <summary>The uninterrupted run: how long it takes and the weights it ends with.</summary>
    private sealed record Reference(TimeSpan Duration, TimeSpan TrainingSpan, long Iterations, IReadOnlyDictionary<string, byte[]> Weights)
    {
        /// <summary>How long any one run may take before it counts as hung (generous: a shared machine can starve it).</summary>
        public TimeSpan Timeout => TimeSpan.FromSeconds(Math.Max(600, 30 * Duration.TotalSeconds));

        public static Reference Train(TinyTraining training, string workDir)
        {
            using QQuantChild child = QQuantChild.Start(["train", training.ConfigPath, "--work-dir", workDir]);
            if (!child.WaitForExit(TimeSpan.FromMinutes(10)) || child.ExitCode != 0)
            {
                throw new QQuantException($"kill-9: the uninterrupted training run failed: {child.Tail()}");
            }

            TimeSpan span = child.TrainingStarted.WaitOne(0) ? child.Elapsed - child.TrainingStartedAt : child.Elapsed;
            using Checkpoint checkpoint = Checkpoint.Load(CheckpointFiles.Latest(workDir));
            return new Reference(child.Elapsed, span, checkpoint.Meta.Iteration, Bytes(checkpoint));
        }

        /// <summary>How the checkpoint's model state differs from this run's, or null when bit-identical.</summary>
        public string? Compare(string path)
        {
            using Checkpoint checkpoint = Checkpoint.Load(path);
            if (checkpoint.Meta.Iteration != Iterations)
            {
                return $"the final checkpoint records iteration {checkpoint.Meta.Iteration}, the uninterrupted run {Iterations}";
            }

            IReadOnlyDictionary<string, byte[]> weights = Bytes(checkpoint);
            string[] keys = Weights.Keys.Order(StringComparer.Ordinal).ToArray();
            if (!keys.SequenceEqual(weights.Keys.Order(StringComparer.Ordinal)))
            {
                return "the final checkpoint holds other tensors than the uninterrupted run's";
            }

            string[] differing = keys.Where(k => !Weights[k].AsSpan().SequenceEqual(weights[k])).ToArray();
            return differing.Length == 0
                ? null
                : $"{differing.Length} tensors differ from the uninterrupted run's, e.g. {string.Join(", ", differing.Take(3))}";
        }

        private static Dictionary<string, byte[]> Bytes(Checkpoint checkpoint) =>
            checkpoint.ModelState.ToDictionary(p => p.Key, p => p.Value.contiguous().bytes.ToArray(), StringComparer.Ordinal);
    }

    /// <summary>When to kill a run: after a delay from its start, after a delay into its epochs, or at a temporary file.</summary>
    private sealed record KillMoment(TimeSpan? FromStart, TimeSpan? IntoEpochs, int? TemporaryFile)
    {
        public const int Kinds = 3;

        public static KillMoment Draw(int kind, Random random, Reference reference, int epochsLeft) => kind switch
        {
            0 => new KillMoment(reference.Duration * random.NextDouble(), null, null),
            1 => new KillMoment(null, reference.TrainingSpan * random.NextDouble(), null),
            // Each epoch writes two temporary files: the checkpoint's, then the new latest.ckpt link's.
            _ => new KillMoment(null, null, 1 + random.Next(2 * Math.Max(epochsLeft, 1))),
        };

        /// <summary>Kills <paramref name="child"/> at this moment (unless it finishes first); a problem when it hangs.</summary>
        public string? Apply(QQuantChild child, string workDir, TimeSpan timeout)
        {
            using FileSystemWatcher? watcher = TemporaryFile is { } n ? KillAt(child, workDir, n) : null;
            if (FromStart is { } delay && !child.WaitForExit(delay))
            {
                child.Kill();
            }
            else if (IntoEpochs is { } into)
            {
                while (!child.TrainingStarted.WaitOne(5) && !child.HasExited && child.Elapsed < timeout)
                {
                }

                if (!child.WaitForExit(into))
                {
                    child.Kill();
                }
            }

            return child.WaitForExit(timeout) ? null : $"qquant train did not finish within {timeout.TotalSeconds:0} s";
        }

        public override string ToString() =>
            FromStart is { } delay ? string.Create(CultureInfo.InvariantCulture, $"killed {delay.TotalSeconds:0.000} s after its start")
            : IntoEpochs is { } into ? string.Create(CultureInfo.InvariantCulture, $"killed {into.TotalSeconds:0.000} s into its epochs")
            : $"killed at its temporary file {TemporaryFile}";

        // The watcher starts with the child and kills it the moment the n-th temporary file appears.
        private static FileSystemWatcher KillAt(QQuantChild child, string workDir, int n)
        {
            int seen = 0;
            var watcher = new FileSystemWatcher(workDir, "*.tmp");
            watcher.Created += (_, _) =>
            {
                if (Interlocked.Increment(ref seen) == n)
                {
                    child.Kill();
                }
            };
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
    }
}
