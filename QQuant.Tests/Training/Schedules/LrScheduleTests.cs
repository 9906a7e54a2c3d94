using Microsoft.Extensions.Configuration;
using QQuant.Training;

namespace QQuant.Tests.Training.Schedules;

public sealed class LrScheduleTests
{
    // cos(pi/4) = sqrt(2)/2, written out so the expectations do not reuse the code's formula.
    private const double HalfSqrt2 = 0.70710678118654752;

    // The reference's LSQ ResNet-18 recipe: lr0 0.03, cosine over 120 epochs to 0, linear warmup 500 iterations from 0.25.
    private static LrSchedule Reference(int iterationsPerEpoch = 1000) =>
        new(new LrConfig { Policy = "CosineAnnealing", MinLr = 0, Warmup = "linear", WarmupIters = 500, WarmupRatio = 0.25 },
            0.03, 120, iterationsPerEpoch);

    [Fact]
    public void ReferenceExampleMatchesTheDocumentedValues()
    {
        LrSchedule s = Reference();

        Assert.Equal(0.0075, s.At(0, 0), 1e-6);
        Assert.Equal(0.01875, s.At(0, 250), 1e-6);
        Assert.Equal(0.029955, s.At(0, 499), 1e-6);
        Assert.Equal(0.025607, s.At(30, 30_000), 1e-6);
        Assert.Equal(0.015, s.At(60, 60_000), 1e-6);
    }

    [Fact]
    public void ReferenceExampleToDoublePrecision()
    {
        LrSchedule s = Reference();

        // linear: 0.03 * (1 - (1 - it/500) * 0.75)
        Assert.Equal(0.0075, s.At(0, 0), 1e-15);
        Assert.Equal(0.007545, s.At(0, 1), 1e-15);      // 0.03 * (1 - 0.998 * 0.75) = 0.03 * 0.2515
        Assert.Equal(0.01875, s.At(0, 250), 1e-15);     // 0.03 * (1 - 0.5 * 0.75) = 0.03 * 0.625
        Assert.Equal(0.029955, s.At(0, 499), 1e-15);    // 0.03 * (1 - 0.002 * 0.75) = 0.03 * 0.9985
        Assert.Equal(0.03, s.At(0, 500), 1e-15);        // the first iteration after warmup: the regular lr of epoch 0
        Assert.Equal(0.03, s.At(0, 999), 1e-15);
        // cosine: 0.015 * (1 + cos(pi * e / 120))
        Assert.Equal(0.015 * (1 + HalfSqrt2), s.At(30, 30_000), 1e-15);
        Assert.Equal(0.015, s.At(60, 60_000), 1e-15);
        Assert.Equal(0.015 * (1 - HalfSqrt2), s.At(90, 90_000), 1e-15);
        // e = 119: 0.015 * (1 - cos(pi/120)), cos(1.5 degrees) = 0.99965732497555727
        Assert.Equal(0.015 * (1 - 0.99965732497555727), s.At(119, 119_000), 1e-15);
        Assert.Equal(0, s.At(120, 120_000), 1e-15);
    }

    [Fact]
    public void WarmupScalesTheRegularRateOfTheCurrentEpoch()
    {
        // 10 iterations per epoch, step at epoch 1, warmup 15 iterations: iteration 12 lies in epoch 1 (regular 0.01).
        var s = new LrSchedule(new LrConfig { Policy = "step", Step = [1], Warmup = "linear", WarmupIters = 15, WarmupRatio = 0.5 },
            0.1, 5, 10);

        Assert.Equal(0.05, s.At(0, 0), 1e-15);                 // 0.1 * 0.5
        Assert.Equal(0.1 * 0.7, s.At(0, 6), 1e-15);            // 0.1 * (1 - (1 - 6/15) * 0.5) = 0.1 * (1 - 0.3)
        Assert.Equal(0.01 * 0.9, s.At(1, 12), 1e-15);          // 0.01 * (1 - 0.2 * 0.5)
        Assert.Equal(0.01 * (1 - (0.5 / 15)), s.At(1, 14), 1e-15); // last warmup iteration: 1 - (1/15) * 0.5
        Assert.Equal(0.01, s.At(1, 15), 1e-15);
    }

    [Fact]
    public void StepPolicyMultipliesByGammaFromEachStepOn()
    {
        var s = new LrSchedule(new LrConfig { Policy = "step", Step = [30, 60, 90] }, 0.1, 100, 50);

        Assert.Equal(0.1, s.At(0, 0), 1e-15);
        Assert.Equal(0.1, s.At(29, 1499), 1e-15);
        Assert.Equal(0.01, s.At(30, 1500), 1e-15);
        Assert.Equal(0.01, s.At(59, 2999), 1e-15);
        Assert.Equal(0.001, s.At(60, 3000), 1e-15);
        Assert.Equal(0.001, s.At(89, 4499), 1e-15);
        Assert.Equal(0.0001, s.At(90, 4500), 1e-15);
        Assert.Equal(0.0001, s.At(99, 4999), 1e-15);
    }

    [Fact]
    public void StepPolicyUsesGamma()
    {
        var s = new LrSchedule(new LrConfig { Policy = "Step", Step = [2, 4], Gamma = 0.5 }, 0.08, 6, 1);

        Assert.Equal(0.08, s.At(1, 1), 1e-15);
        Assert.Equal(0.04, s.At(2, 2), 1e-15);
        Assert.Equal(0.02, s.At(5, 5), 1e-15);
    }

    [Fact]
    public void FixedPolicyKeepsTheBaseRate()
    {
        var s = new LrSchedule(new LrConfig(), 0.01, 10, 5);

        Assert.Equal(0.01, s.At(0, 0));
        Assert.Equal(0.01, s.At(9, 49));
    }

    [Fact]
    public void CosineAnnealsToMinLrOrMinLrRatio()
    {
        var byLr = new LrSchedule(new LrConfig { Policy = "CosineAnnealing", MinLr = 0.001 }, 0.1, 100, 10);
        var byRatio = new LrSchedule(new LrConfig { Policy = "cosineannealing", MinLrRatio = 0.01 }, 0.1, 100, 10);

        foreach (LrSchedule s in new[] { byLr, byRatio })
        {
            Assert.Equal(0.1, s.At(0, 0), 1e-15);
            Assert.Equal(0.001 + (0.0495 * (1 + HalfSqrt2)), s.At(25, 250), 1e-15); // 0.001 + 0.099/2 * (1 + cos(pi/4))
            Assert.Equal(0.0505, s.At(50, 500), 1e-15);                             // 0.001 + 0.099/2
            Assert.Equal(0.001, s.At(100, 1000), 1e-15);
        }
    }

    [Fact]
    public void CosineWithoutTargetAnnealsToZero()
    {
        var s = new LrSchedule(new LrConfig { Policy = "CosineAnnealing" }, 0.2, 4, 1);

        Assert.Equal(0.1 * (1 + HalfSqrt2), s.At(1, 1), 1e-15); // 0.1 * (1 + cos(pi/4))
        Assert.Equal(0.1, s.At(2, 2), 1e-15);
    }

    [Fact]
    public void ConstantWarmup()
    {
        var s = new LrSchedule(new LrConfig { Warmup = "constant", WarmupIters = 500, WarmupRatio = 0.25 }, 0.03, 10, 100);

        Assert.Equal(0.0075, s.At(0, 0), 1e-15);
        Assert.Equal(0.0075, s.At(2, 250), 1e-15);
        Assert.Equal(0.0075, s.At(4, 499), 1e-15);
        Assert.Equal(0.03, s.At(5, 500), 1e-15);
    }

    [Fact]
    public void ExpWarmup()
    {
        var s = new LrSchedule(new LrConfig { Warmup = "EXP", WarmupIters = 500, WarmupRatio = 0.25 }, 0.03, 10, 100);

        Assert.Equal(0.0075, s.At(0, 0), 1e-15);                  // 0.03 * 0.25^1
        Assert.Equal(0.015, s.At(2, 250), 1e-15);                 // 0.03 * 0.25^0.5
        // 0.03 * 0.25^(1/500) = 0.03 * exp(-ln 2 / 250) = 0.03 * exp(-0.0027725887222397812) = 0.03 * 0.99723125135...
        Assert.Equal(0.029916937540562, s.At(4, 499), 1e-14);
        Assert.Equal(0.03, s.At(5, 500), 1e-15);
    }

    [Fact]
    public void LinearWarmupWithRatioOneIsTheRegularRate()
    {
        var s = new LrSchedule(new LrConfig { Warmup = "linear", WarmupIters = 10, WarmupRatio = 1 }, 0.5, 1, 20);

        Assert.Equal(0.5, s.At(0, 0), 1e-15);
        Assert.Equal(0.5, s.At(0, 9), 1e-15);
    }

    [Fact]
    public void ByIterationCosineUsesTheGlobalIterationOverAllIterations()
    {
        // 10 epochs x 100 iterations: iteration 250 is a quarter of training whatever the epoch argument says.
        var s = new LrSchedule(new LrConfig { Policy = "CosineAnnealing", ByEpoch = false }, 0.1, 10, 100);

        Assert.Equal(0.05 * (1 + HalfSqrt2), s.At(2, 250), 1e-15);
        Assert.Equal(0.05 * (1 + HalfSqrt2), s.At(9, 250), 1e-15);
        Assert.Equal(0.05, s.At(5, 500), 1e-15);
        Assert.Equal(1000, s.TotalIterations);
        // Within one epoch the by-epoch schedule stays put while the by-iteration one moves.
        var byEpoch = new LrSchedule(new LrConfig { Policy = "CosineAnnealing" }, 0.1, 10, 100);
        Assert.Equal(0.1, byEpoch.At(0, 99), 1e-15);
        Assert.True(s.At(0, 99) < 0.1);
    }

    [Fact]
    public void ByIterationStepsCountIterations()
    {
        var s = new LrSchedule(new LrConfig { Policy = "step", Step = [100, 300], ByEpoch = false }, 0.1, 4, 100);

        Assert.Equal(0.1, s.At(0, 99), 1e-15);
        Assert.Equal(0.01, s.At(1, 100), 1e-15);
        Assert.Equal(0.01, s.At(2, 299), 1e-15);
        Assert.Equal(0.001, s.At(3, 300), 1e-15);
    }

    [Fact]
    public void ConfigurationIsCopied()
    {
        var steps = new List<int> { 1 };
        var config = new LrConfig { Policy = "step", Step = steps };
        var s = new LrSchedule(config, 1, 3, 1);

        steps[0] = 2;
        config.Gamma = 0.5;

        Assert.Equal(0.1, s.At(1, 1), 1e-15);
    }

    [Fact]
    public void NegativeArgumentsOfAtAreRejected()
    {
        LrSchedule s = Reference();

        Assert.Throws<ArgumentOutOfRangeException>(() => s.At(-1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.At(0, -1));
    }

    [Fact]
    public void BindsFromConfigurationIncludingReferenceSpellings()
    {
        IConfiguration json = new ConfigurationBuilder().AddJsonStream(new MemoryStream("""
            { "lrConfig": { "policy": "CosineAnnealing", "min_lr": 0, "warmup": "linear", "warmup_iters": 500,
                            "warmupRatio": 0.25, "byEpoch": true } }
            """u8.ToArray())).Build();

        LrConfig config = new ComponentRegistry().BindOptions<LrConfig>(json.GetSection("lrConfig"));

        Assert.Equal(0.029955, new LrSchedule(config, 0.03, 120, 1000).At(0, 499), 1e-15);
    }

    [Fact]
    public void BindsSteps()
    {
        IConfiguration json = new ConfigurationBuilder().AddJsonStream(new MemoryStream("""
            { "lrConfig": { "policy": "step", "step": [30, 60, 90], "gamma": 0.2 } }
            """u8.ToArray())).Build();

        LrConfig config = new ComponentRegistry().BindOptions<LrConfig>(json.GetSection("lrConfig"));

        Assert.Equal(new[] { 30, 60, 90 }, config.Step!);
        Assert.Equal(0.2, config.Gamma);
    }

    public static TheoryData<string, string, string> Invalid() => new()
    {
        // name of the case, the key the message must name, a fragment of the value or the advice
        { "policy cosine", "lrConfig:policy", "'cosine'" },
        { "policy empty", "lrConfig:policy", "required" },
        { "step without steps", "lrConfig:step", "[30, 60, 90]" },
        { "negative step", "lrConfig:step", "-1" },
        { "unsorted steps", "lrConfig:step", "[60, 30]" },
        { "duplicate steps", "lrConfig:step", "[30, 30]" },
        { "steps with cosine", "lrConfig:step", "only the step policy" },
        { "gamma 0", "lrConfig:gamma", "got 0" },
        { "gamma negative", "lrConfig:gamma", "got -0.5" },
        { "gamma NaN", "lrConfig:gamma", "NaN" },
        { "minLr and minLrRatio", "lrConfig:minLr and lrConfig:minLrRatio", "not both" },
        { "minLr negative", "lrConfig:minLr", "got -1" },
        { "minLrRatio infinite", "lrConfig:minLrRatio", "Infinity" },
        { "minLr with step", "lrConfig:minLr", "only the CosineAnnealing policy" },
        { "warmup unknown", "lrConfig:warmup", "'cos'" },
        { "warmup without iterations", "lrConfig:warmupIters", "got 0" },
        { "warmup negative iterations", "lrConfig:warmupIters", "got -5" },
        { "warmupIters without warmup", "lrConfig:warmupIters", "no warmup is set" },
        { "warmupRatio 0", "lrConfig:warmupRatio", "got 0" },
        { "warmupRatio above 1", "lrConfig:warmupRatio", "got 1.5" },
        { "totalEpochs 0", "totalEpochs", "got 0" },
        { "iterationsPerEpoch 0", "iterationsPerEpoch", "got 0" },
        { "base lr negative", "optimizer:lr", "got -0.1" },
        { "base lr NaN", "optimizer:lr", "NaN" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void InvalidConfigurationNamesItsKey(string name, string key, string fragment)
    {
        (LrConfig config, double lr, int epochs, int iterations) = Case(name);

        LrConfigException e = Assert.Throws<LrConfigException>(() => new LrSchedule(config, lr, epochs, iterations));

        string problem = Assert.Single(e.Problems);
        Assert.StartsWith(key + ":", problem, StringComparison.Ordinal);
        Assert.Contains(fragment, problem, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<QQuantException>(e);
    }

    [Fact]
    public void UnknownPolicySuggestsTheNearestNames()
    {
        LrConfigException e = Assert.Throws<LrConfigException>(() => new LrSchedule(new LrConfig { Policy = "Cosine" }, 0.1, 10, 10));

        Assert.Contains("lrConfig:policy: unknown policy 'Cosine'; nearest: 'CosineAnnealing'", e.Message, StringComparison.Ordinal);
        Assert.Contains("valid: fixed, step, CosineAnnealing", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownWarmupSuggestsTheValidNames()
    {
        LrConfigException e = Assert.Throws<LrConfigException>(
            () => new LrSchedule(new LrConfig { Warmup = "lineal", WarmupIters = 10 }, 0.1, 10, 10));

        Assert.Contains("lrConfig:warmup: unknown warmup 'lineal'; nearest: 'linear'", e.Message, StringComparison.Ordinal);
        Assert.Contains("valid: linear, constant, exp", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryProblemIsReportedAtOnce()
    {
        LrConfigException e = Assert.Throws<LrConfigException>(() => new LrSchedule(
            new LrConfig { Policy = "step", Gamma = 0, Warmup = "linear", WarmupIters = 0, WarmupRatio = 2 }, 0.1, 0, 10));

        Assert.Equal(5, e.Problems.Count);
        foreach (string key in new[] { "totalEpochs", "lrConfig:step", "lrConfig:gamma", "lrConfig:warmupIters", "lrConfig:warmupRatio" })
        {
            Assert.Contains(e.Problems, p => p.StartsWith(key + ":", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void ValidEdgesAreAccepted()
    {
        // warmupRatio 1, a step at epoch 0, minLr above 0, lr 0: all allowed.
        _ = new LrSchedule(new LrConfig { Policy = "step", Step = [0], Warmup = "exp", WarmupIters = 1, WarmupRatio = 1 }, 0, 1, 1);
        var s = new LrSchedule(new LrConfig { Policy = "step", Step = [0] }, 1, 1, 1);
        Assert.Equal(0.1, s.At(0, 0), 1e-15);
    }

    private static (LrConfig Config, double Lr, int Epochs, int Iterations) Case(string name) => name switch
    {
        "policy cosine" => (new LrConfig { Policy = "cosine" }, 0.1, 10, 10),
        "policy empty" => (new LrConfig { Policy = " " }, 0.1, 10, 10),
        "step without steps" => (new LrConfig { Policy = "step" }, 0.1, 10, 10),
        "negative step" => (new LrConfig { Policy = "step", Step = [-1, 3] }, 0.1, 10, 10),
        "unsorted steps" => (new LrConfig { Policy = "step", Step = [60, 30] }, 0.1, 100, 10),
        "duplicate steps" => (new LrConfig { Policy = "step", Step = [30, 30] }, 0.1, 100, 10),
        "steps with cosine" => (new LrConfig { Policy = "CosineAnnealing", Step = [30] }, 0.1, 100, 10),
        "gamma 0" => (new LrConfig { Policy = "step", Step = [1], Gamma = 0 }, 0.1, 10, 10),
        "gamma negative" => (new LrConfig { Policy = "step", Step = [1], Gamma = -0.5 }, 0.1, 10, 10),
        "gamma NaN" => (new LrConfig { Gamma = double.NaN }, 0.1, 10, 10),
        "minLr and minLrRatio" => (new LrConfig { Policy = "CosineAnnealing", MinLr = 0.001, MinLrRatio = 0.01 }, 0.1, 10, 10),
        "minLr negative" => (new LrConfig { Policy = "CosineAnnealing", MinLr = -1 }, 0.1, 10, 10),
        "minLrRatio infinite" => (new LrConfig { Policy = "CosineAnnealing", MinLrRatio = double.PositiveInfinity }, 0.1, 10, 10),
        "minLr with step" => (new LrConfig { Policy = "step", Step = [1], MinLr = 0.001 }, 0.1, 10, 10),
        "warmup unknown" => (new LrConfig { Warmup = "cos", WarmupIters = 10 }, 0.1, 10, 10),
        "warmup without iterations" => (new LrConfig { Warmup = "linear" }, 0.1, 10, 10),
        "warmup negative iterations" => (new LrConfig { Warmup = "constant", WarmupIters = -5 }, 0.1, 10, 10),
        "warmupIters without warmup" => (new LrConfig { WarmupIters = 500 }, 0.1, 10, 10),
        "warmupRatio 0" => (new LrConfig { Warmup = "linear", WarmupIters = 10, WarmupRatio = 0 }, 0.1, 10, 10),
        "warmupRatio above 1" => (new LrConfig { Warmup = "exp", WarmupIters = 10, WarmupRatio = 1.5 }, 0.1, 10, 10),
        "totalEpochs 0" => (new LrConfig(), 0.1, 0, 10),
        "iterationsPerEpoch 0" => (new LrConfig(), 0.1, 10, 0),
        "base lr negative" => (new LrConfig(), -0.1, 10, 10),
        "base lr NaN" => (new LrConfig(), double.NaN, 10, 10),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such case"),
    };
}
