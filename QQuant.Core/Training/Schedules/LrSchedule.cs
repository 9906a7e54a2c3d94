using System.Globalization;

namespace QQuant.Training;

/// <summary>
/// The learning rate of every epoch and iteration of a run, computed as the reference (mmcv 1.3's lr updater hooks)
/// does. The regular rate depends on the epoch (or the global iteration when <see cref="LrConfig.ByEpoch"/> is
/// false): <c>fixed</c> gives lr0; <c>step</c> gives lr0·γ^(number of steps s with epoch ≥ s); <c>CosineAnnealing</c>
/// gives target + ½(lr0 − target)(1 + cos(π·epoch/totalEpochs)), the target being <see cref="LrConfig.MinLr"/>,
/// lr0·<see cref="LrConfig.MinLrRatio"/> or 0. While the global iteration is below <see cref="LrConfig.WarmupIters"/>
/// the warmup replaces it: linear regular·(1 − (1 − it/warmupIters)(1 − ratio)), constant regular·ratio, exp
/// regular·ratio^(1 − it/warmupIters). The constructor validates everything and takes a copy of the configuration.
/// </summary>
public sealed class LrSchedule
{
    private const string Fixed = "fixed";
    private const string StepPolicy = "step";
    private const string Cosine = "CosineAnnealing";
    private const string Linear = "linear";
    private const string Constant = "constant";
    private const string Exp = "exp";

    private static readonly string[] Policies = [Fixed, StepPolicy, Cosine];
    private static readonly string[] Warmups = [Linear, Constant, Exp];

    private readonly string _policy;
    private readonly int[] _steps;
    private readonly double _gamma;
    private readonly double _target;
    private readonly string? _warmup;
    private readonly int _warmupIters;
    private readonly double _warmupRatio;
    private readonly bool _byEpoch;

    /// <summary>Validates <paramref name="config"/> for a run and prepares the schedule.</summary>
    /// <param name="config">The schedule's configuration (the <c>lrConfig</c> section).</param>
    /// <param name="baseLr">lr0, the optimizer's configured rate (<c>optimizer:lr</c>): finite and not negative.</param>
    /// <param name="totalEpochs">The number of epochs of the run (<c>totalEpochs</c>), at least 1.</param>
    /// <param name="iterationsPerEpoch">The number of iterations (batches) per epoch, at least 1.</param>
    /// <exception cref="LrConfigException">Any value is invalid; the message lists every problem with its key.</exception>
    public LrSchedule(LrConfig config, double baseLr, int totalEpochs, int iterationsPerEpoch)
    {
        ArgumentNullException.ThrowIfNull(config);
        var problems = new List<string>();

        if (!double.IsFinite(baseLr) || baseLr < 0)
        {
            problems.Add($"optimizer:lr: the base learning rate must be finite and not negative, got {V(baseLr)}");
        }

        if (totalEpochs < 1)
        {
            problems.Add($"totalEpochs: must be at least 1, got {V(totalEpochs)}");
        }

        if (iterationsPerEpoch < 1)
        {
            problems.Add($"iterationsPerEpoch: must be at least 1 (an epoch without batches), got {V(iterationsPerEpoch)}");
        }

        string? policy = Match(config.Policy, Policies, "lrConfig:policy", "policy", problems);
        _policy = policy ?? Fixed;
        _byEpoch = config.ByEpoch;
        string unit = _byEpoch ? "epochs" : "iterations";

        _steps = config.Step?.ToArray() ?? [];
        if (_policy == StepPolicy)
        {
            if (_steps.Length == 0)
            {
                problems.Add($"lrConfig:step: the step policy needs the {unit} at which to multiply by gamma, e.g. [30, 60, 90]");
            }

            for (int i = 0; i < _steps.Length; i++)
            {
                if (_steps[i] < 0)
                {
                    problems.Add($"lrConfig:step: steps are 0-based {unit} and cannot be negative, got {V(_steps[i])} at index {i}");
                }
                else if (i > 0 && _steps[i] <= _steps[i - 1])
                {
                    problems.Add($"lrConfig:step: steps must be strictly increasing, got {V(_steps[i])} after {V(_steps[i - 1])} "
                                 + $"in [{string.Join(", ", _steps.Select(V))}]");
                }
            }
        }
        else if (policy is not null && config.Step is not null)
        {
            problems.Add($"lrConfig:step: only the step policy uses steps, the policy is '{_policy}'; remove the key or set "
                         + $"policy to '{StepPolicy}'");
        }

        _gamma = config.Gamma;
        if (!double.IsFinite(_gamma) || _gamma <= 0)
        {
            problems.Add($"lrConfig:gamma: must be finite and greater than 0, got {V(_gamma)}");
        }

        _target = 0;
        if (config.MinLr is { } minLr)
        {
            if (!double.IsFinite(minLr) || minLr < 0)
            {
                problems.Add($"lrConfig:minLr: must be finite and not negative, got {V(minLr)}");
            }

            _target = minLr;
        }

        if (config.MinLrRatio is { } ratio)
        {
            if (!double.IsFinite(ratio) || ratio < 0)
            {
                problems.Add($"lrConfig:minLrRatio: must be finite and not negative, got {V(ratio)}");
            }

            _target = baseLr * ratio;
        }

        if (config is { MinLr: { } both, MinLrRatio: { } bothRatio })
        {
            problems.Add($"lrConfig:minLr and lrConfig:minLrRatio: set one of them, not both (minLr {V(both)}, "
                         + $"minLrRatio {V(bothRatio)})");
        }

        if (policy is not null && policy != Cosine && (config.MinLr is not null || config.MinLrRatio is not null))
        {
            string key = config.MinLr is not null ? "minLr" : "minLrRatio";
            problems.Add($"lrConfig:{key}: only the {Cosine} policy has a target rate, the policy is '{_policy}'; remove the "
                         + $"key or set policy to '{Cosine}'");
        }

        _warmup = config.Warmup is null ? null : Match(config.Warmup, Warmups, "lrConfig:warmup", "warmup", problems);
        _warmupIters = config.WarmupIters;
        _warmupRatio = config.WarmupRatio;
        if (config.Warmup is not null)
        {
            if (_warmupIters <= 0)
            {
                problems.Add($"lrConfig:warmupIters: a '{config.Warmup}' warmup needs warmupIters greater than 0, got {V(_warmupIters)}");
            }

            if (!(_warmupRatio > 0 && _warmupRatio <= 1))
            {
                problems.Add($"lrConfig:warmupRatio: must be in (0, 1], got {V(_warmupRatio)}");
            }
        }
        else if (_warmupIters != 0)
        {
            problems.Add($"lrConfig:warmupIters: is {V(_warmupIters)} but no warmup is set; set warmup to "
                         + $"{string.Join(", ", Warmups.Select(w => $"'{w}'"))} or remove warmupIters");
        }

        if (problems.Count > 0)
        {
            throw new LrConfigException(problems);
        }

        BaseLr = baseLr;
        TotalEpochs = totalEpochs;
        IterationsPerEpoch = iterationsPerEpoch;
    }

    /// <summary>lr0, the rate the schedule starts from.</summary>
    public double BaseLr { get; }

    /// <summary>The number of epochs of the run.</summary>
    public int TotalEpochs { get; }

    /// <summary>The number of iterations per epoch.</summary>
    public int IterationsPerEpoch { get; }

    /// <summary>The number of iterations of the whole run (<see cref="TotalEpochs"/> × <see cref="IterationsPerEpoch"/>).</summary>
    public long TotalIterations => (long)TotalEpochs * IterationsPerEpoch;

    /// <summary>
    /// The learning rate for an iteration: the warmup rate while <paramref name="globalIteration"/> is below the
    /// warmup iterations, else the regular rate of <paramref name="epoch"/> (of <paramref name="globalIteration"/>
    /// when the schedule is not by epoch; <paramref name="epoch"/> is then not used).
    /// </summary>
    /// <param name="epoch">The 0-based epoch.</param>
    /// <param name="globalIteration">The 0-based iteration counted from the start of training (across epochs).</param>
    /// <exception cref="ArgumentOutOfRangeException">The epoch or the iteration is negative.</exception>
    public double At(int epoch, long globalIteration)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ArgumentOutOfRangeException.ThrowIfNegative(globalIteration);
        double regular = Regular(_byEpoch ? epoch : globalIteration, _byEpoch ? TotalEpochs : TotalIterations);
        if (_warmup is null || globalIteration >= _warmupIters)
        {
            return regular;
        }

        double progress = (double)globalIteration / _warmupIters;
        return _warmup switch
        {
            Linear => regular * (1 - ((1 - progress) * (1 - _warmupRatio))),
            Constant => regular * _warmupRatio,
            _ => regular * Math.Pow(_warmupRatio, 1 - progress),
        };
    }

    private double Regular(long progress, long maxProgress)
    {
        switch (_policy)
        {
            case StepPolicy:
                int passed = _steps.Count(s => progress >= s);
                return BaseLr * Math.Pow(_gamma, passed);
            case Cosine:
                double factor = (double)progress / maxProgress;
                return _target + (0.5 * (BaseLr - _target) * (Math.Cos(Math.PI * factor) + 1));
            default:
                return BaseLr;
        }
    }

    private static string? Match(string? value, string[] names, string key, string what, List<string> problems)
    {
        string valid = string.Join(", ", names);
        if (string.IsNullOrWhiteSpace(value))
        {
            problems.Add($"{key}: a {what} is required ({valid})");
            return null;
        }

        string? match = names.FirstOrDefault(n => string.Equals(n, value, StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            // A name that contains the value (or is contained in it) comes first: 'cosine' means 'CosineAnnealing'.
            IEnumerable<string> nearest = names
                .Where(n => n.Contains(value.Trim(), StringComparison.OrdinalIgnoreCase)
                            || value.Contains(n, StringComparison.OrdinalIgnoreCase))
                .Concat(NearestNames.Find(value, names))
                .Distinct(StringComparer.Ordinal)
                .Take(3);
            problems.Add($"{key}: unknown {what} '{value}'; nearest: {string.Join(", ", nearest.Select(n => $"'{n}'"))} "
                         + $"(valid: {valid})");
        }

        return match;
    }

    private static string V(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string V(int value) => value.ToString(CultureInfo.InvariantCulture);
}
