namespace QQuant.Training;

/// <summary>
/// The learning-rate schedule of a run, as the reference's <c>lr_config</c>: a policy (fixed, step or cosine
/// annealing) evaluated per epoch (or per iteration), optionally preceded by a warmup counted in iterations. The
/// properties are the configuration keys in camelCase (<c>lrConfig:policy</c>, <c>lrConfig:warmupIters</c>, ...);
/// <see cref="LrSchedule"/> validates them and computes the rate.
/// </summary>
public sealed class LrConfig
{
    /// <summary>
    /// The policy: <c>fixed</c> (the base rate throughout), <c>step</c> (multiplied by <see cref="Gamma"/> at every
    /// <see cref="Step"/>) or <c>CosineAnnealing</c> (from the base rate down to the target along half a cosine).
    /// Matched ignoring case. Default <c>fixed</c>.
    /// </summary>
    public string Policy { get; set; } = "fixed";

    /// <summary>
    /// For the step policy: the 0-based epochs (iterations when <see cref="ByEpoch"/> is false) from which the rate
    /// is multiplied by <see cref="Gamma"/> once more, strictly increasing, e.g. <c>[30, 60, 90]</c>. Required by
    /// the step policy and rejected by the others.
    /// </summary>
    public IReadOnlyList<int>? Step { get; set; }

    /// <summary>For the step policy: the factor applied at each step, greater than 0. Default 0.1.</summary>
    public double Gamma { get; set; } = 0.1;

    /// <summary>
    /// For the cosine policy: the rate reached at the end of training. At most one of <see cref="MinLr"/> and
    /// <see cref="MinLrRatio"/> may be set; with neither the target is 0.
    /// </summary>
    public double? MinLr { get; set; }

    /// <summary>For the cosine policy: the target rate as a fraction of the base rate (see <see cref="MinLr"/>).</summary>
    public double? MinLrRatio { get; set; }

    /// <summary>
    /// The warmup that replaces the regular rate during the first <see cref="WarmupIters"/> iterations of training:
    /// null (none), <c>linear</c>, <c>constant</c> or <c>exp</c> (matched ignoring case).
    /// </summary>
    public string? Warmup { get; set; }

    /// <summary>The number of warmup iterations, counted from the start of training; greater than 0 with a warmup.</summary>
    public int WarmupIters { get; set; }

    /// <summary>
    /// The fraction of the regular rate that warmup starts from (the whole warmup for <c>constant</c>), in (0, 1].
    /// Default 0.1.
    /// </summary>
    public double WarmupRatio { get; set; } = 0.1;

    /// <summary>
    /// True (the default, as the reference): the policy is evaluated per epoch. False: per iteration; the cosine
    /// progress is the global iteration over all iterations of training and <see cref="Step"/> counts iterations.
    /// Warmup is counted in iterations either way.
    /// </summary>
    public bool ByEpoch { get; set; } = true;
}
