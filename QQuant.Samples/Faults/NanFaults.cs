using QQuant.Quantizers;
using QQuant.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Samples.Faults;

/// <summary>
/// <c>nan</c>: drives one quantizer parameter of a training run to NaN mid-run, either by writing NaN into it before a
/// forward or by giving it a NaN gradient (a finite loss, then an optimizer step that poisons it, possibly the last of an
/// epoch, right before a checkpoint). Survived: the run stops with <see cref="TrainingDivergedException"/> whose message
/// names the parameter, no checkpoint holding NaN was written, and the last checkpoint written before loads strictly
/// into a fresh model with finite values.
/// </summary>
internal sealed class NanFaults : IFaultClass
{
    private const int Epochs = 3;
    private const int PerEpoch = 4;

    /// <summary>The schemes whose quantizers have learnable parameters, as conv policies (the stem stays float).</summary>
    internal static readonly (string Name, Func<QuantPolicy> Policy)[] Schemes =
    [
        ("LSQ", () => QuantPolicy.For<Conv2d>().Use<LSQConv>(w: 4, a: 4).Except("backbone.conv1").Build()),
        ("LSQ+", () => QuantPolicy.For<Conv2d>().Use<LSQPlusConv>(w: 4, a: 4).Except("backbone.conv1").Build()),
        ("DSQ", () => QuantPolicy.For<Conv2d>().Use<DSQConv>(w: 4, a: 4).Except("backbone.conv1").Build()),
        ("PACT", () => QuantPolicy.For<Conv2d>().Use<PACTConv>(w: 4, a: 4).Except("backbone.conv1").Build()),
        ("APoT", () => QuantPolicy.For<Conv2d>().Use<APoTConv>(w: 4, a: 4).Except("backbone.conv1").Build()),
    ];

    /// <summary>How the parameter becomes NaN.</summary>
    internal enum Poison
    {
        /// <summary>NaN is written into it before the forward: that forward's loss is NaN.</summary>
        Value,

        /// <summary>Its gradient is NaN while the loss stays finite: the optimizer step writes NaN into it.</summary>
        Gradient,
    }

    /// <summary>One case: the scheme, the index of the quantizer parameter (in model order), the poison and the 0-based forward.</summary>
    internal sealed record Case(int Scheme, int Parameter, Poison Poison, int Forward)
    {
        public override string ToString() => $"{Schemes[Scheme].Name}, parameter #{Parameter}, {Poison} at forward {Forward}";
    }

    public string Name => "nan";

    public string Description =>
        "A quantizer parameter set to NaN or given a NaN gradient mid-run: TrainingDivergedException names it, no checkpoint holds NaN, the last one loads with finite values.";

    public int Cases(bool full) => full ? 20 : 4;

    /// <summary>
    /// The cases: the schemes in turn, the two poisons alternating, forwards from the second epoch on, and every
    /// fourth case a NaN gradient on the last step of an epoch (the step just before a checkpoint is written).
    /// </summary>
    internal static IReadOnlyList<Case> Plan(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            Poison poison = i % 2 == 0 ? Poison.Value : Poison.Gradient;
            int forward = i % 4 == 1
                ? PerEpoch * random.Next(1, Epochs) + PerEpoch - 1
                : random.Next(PerEpoch, Epochs * PerEpoch);
            return new Case(i % Schemes.Length, random.Next(1000), poison, forward);
        })];
    }

    public FaultOutcome Run(FaultRun run)
    {
        var tally = new FaultTally();
        IReadOnlyList<Case> cases = Plan(run.Cases, run.Seed);
        for (int i = 0; i < cases.Count; i++)
        {
            string folder = Path.Combine(run.Folder, $"case{i}");
            string? failure;
            bool lostData;
            try
            {
                (failure, lostData) = Try(cases[i], folder, run.Seed + i);
            }
            catch (Exception e)
            {
                (failure, lostData) = ($"{e.GetType().Name}: {e.Message}", false);
            }

            run.Progress.WriteLine($"nan {i}: {cases[i]}: {failure ?? "survived"}");
            if (failure is null)
            {
                tally.Pass();
            }
            else
            {
                tally.Fail($"{cases[i]} (seed {run.Seed + i}): {failure}", lostData);
            }

            Directory.Delete(folder, recursive: true);
        }

        return tally.Outcome();
    }

    /// <summary>Runs one case in <paramref name="folder"/>; null when survived, else what went wrong and whether saved work was lost.</summary>
    internal static (string? Failure, bool LostData) Try(Case c, string folder, long seed)
    {
        using var task = new TinyClassification(seed, Schemes[c.Scheme].Policy(), PerEpoch);
        (Trainer<TinyBatch> trainer, TrainingOptimizer optimizer, TrainingLog log) = task.NewTrainer(folder, Epochs, seed);
        using (optimizer)
        using (log)
        {
            string[] names = [.. optimizer.Groups.Where(g => g.Kind == ParameterGroup.Quantizer).SelectMany(g => g.Names)];
            if (names.Length == 0)
            {
                return ($"{Schemes[c.Scheme].Name} has no quantizer parameter", false);
            }

            string poisoned = names[c.Parameter % names.Length];
            Parameter parameter = task.Model.named_parameters().Single(p => p.name == poisoned).parameter;
            Inject(task, c, parameter);
            TrainingDivergedException? diverged = null;
            try
            {
                trainer.Run();
            }
            catch (TrainingDivergedException e)
            {
                diverged = e;
            }

            string? failure = diverged is null
                ? $"training finished with '{poisoned}' = NaN from forward {c.Forward} on, without TrainingDivergedException"
                : !diverged.Message.Contains(poisoned, StringComparison.Ordinal) || !diverged.NonFiniteQuantizerParameters.Contains(poisoned)
                    ? $"the divergence error does not name '{poisoned}': {diverged.Message}"
                    : null;
            (string? damage, bool lost) = CheckCheckpoints(folder, Schemes[c.Scheme].Policy(), c, seed);
            return (failure ?? damage, lost);
        }
    }

    private static void Inject(TinyClassification task, Case c, Parameter parameter)
    {
        if (c.Poison == Poison.Value)
        {
            task.BeforeForward = (forward, _) =>
            {
                if (forward == c.Forward)
                {
                    using (no_grad())
                    {
                        parameter.fill_(double.NaN);
                    }
                }
            };
        }
        else
        {
            // where(false, p·∞, 0): the value is 0, the gradient 0·∞ = NaN.
            task.ExtraLoss = forward => forward == c.Forward
                ? where(zeros_like(parameter, dtype: ScalarType.Bool), parameter * double.PositiveInfinity, zeros_like(parameter)).sum()
                : null;
        }
    }

    /// <summary>
    /// Every checkpoint written holds finite values, and the latest one, which must be that of the last epoch finished
    /// before the poison, loads strictly into a fresh model.
    /// </summary>
    private static (string? Failure, bool LostData) CheckCheckpoints(string folder, QuantPolicy policy, Case c, long seed)
    {
        // A poisoned value stops its own forward; a poisoned gradient reaches the parameter after its step, so an epoch
        // ending with that step is not finished as far as its checkpoint is concerned either.
        int finishedEpochs = c.Forward / PerEpoch;
        string[] written = Directory.GetFiles(folder, "epoch_*.ckpt");
        foreach (string path in written)
        {
            using var scope = NewDisposeScope();
            using Checkpoint checkpoint = Checkpoint.Load(path);
            string[] nonFinite = [.. checkpoint.ModelState.Where(p => p.Value.is_floating_point() && !p.Value.isfinite().all().item<bool>()).Select(p => p.Key)];
            if (nonFinite.Length > 0)
            {
                return ($"checkpoint {Path.GetFileName(path)} holds non-finite {string.Join(", ", nonFinite)}", true);
            }
        }

        if (written.Length != finishedEpochs)
        {
            return ($"{written.Length} checkpoints were written, expected {finishedEpochs} (one per epoch finished before the poison)", written.Length < finishedEpochs);
        }

        using Checkpoint latest = Checkpoint.Load(CheckpointFiles.Latest(folder));
        if (latest.Meta.Epoch != finishedEpochs)
        {
            return ($"the latest checkpoint is of epoch {latest.Meta.Epoch}, expected {finishedEpochs}", true);
        }

        using var fresh = TinyClassification.NewClassifier(seed + 1, policy);
        latest.LoadInto(fresh, strict: true);
        using var values = NewDisposeScope();
        string[] bad = [.. fresh.state_dict().Where(p => p.Value.is_floating_point() && !p.Value.isfinite().all().item<bool>()).Select(p => p.Key)];
        return bad.Length > 0 ? ($"the latest checkpoint loads non-finite {string.Join(", ", bad)}", true) : (null, false);
    }
}
