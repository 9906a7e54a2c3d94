using QQuant.Quantizers;
using TorchSharp;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Properties;

/// <summary>
/// Properties every quantizer has on random tensors, for every kind, sign and valid bit width: after initialisation on
/// the tensor it produces at most 2^b distinct values (per channel for per-channel weights), each on the grid its
/// documentation describes, in an order that follows the input's; and quantizing a quantized tensor again changes
/// nothing where no normalisation of the whole tensor comes first.
/// </summary>
public class QuantizerGridPropertyTests
{
    private const long Channels = 8;
    private const double FixedClip = 3.0;

    private const string Signed = "signed";
    private const string Unsigned = "unsigned";
    private const string AutoMixed = "auto, data of both signs";
    private const string AutoPositive = "auto, non-negative data";

    private static readonly string[] WeightKinds =
    [
        "LSQ weight", "LSQ weight per channel", "LSQ+ weight", "LSQ+ weight per channel",
        "DoReFa weight", "DoReFa weight per channel", "APoT weight", "APoT weight per channel",
        "Uniform weight", "Uniform weight per channel",
    ];

    private static readonly string[] InputKinds =
    [
        "LSQ input", "LSQ+ input", "LSQ+ input without offset", "DSQ", "DoReFa input", "PACT input",
        "PACT input, fixed clip", "APoT input", "APoT input, fixed clip", "APoT input, plain powers of two",
        "Uniform input", "Uniform input, fixed clip", "8-bit input",
    ];

    // Weights normalised as a whole (tanh and max for DoReFa, standardisation for APoT and uniform) before rounding
    // are not idempotent: the quantized tensor has other statistics than the float one.
    private static bool NormalisesTheWholeTensor(string kind) =>
        kind.StartsWith("DoReFa weight", StringComparison.Ordinal) || kind.StartsWith("APoT weight", StringComparison.Ordinal)
        || kind.StartsWith("Uniform weight", StringComparison.Ordinal);

    /// <summary>The bit widths each kind documents for each sign.</summary>
    private static IEnumerable<int> ValidBits(string kind, string sign)
    {
        bool canBeSigned = sign != Unsigned;
        (int Low, int High) range = kind switch
        {
            "DoReFa weight" or "DoReFa weight per channel" or "DSQ" or "DoReFa input" => (1, 8),
            "APoT weight" or "APoT weight per channel" => (2, 7),
            _ when kind.StartsWith("LSQ+", StringComparison.Ordinal) => (2, 8),
            _ when kind.StartsWith("APoT input", StringComparison.Ordinal) => sign switch
            {
                Signed => (2, 7),
                Unsigned => (1, 6),
                _ => (2, 6),
            },
            _ => (canBeSigned ? 2 : 1, 8),
        };
        return Enumerable.Range(range.Low, range.High - range.Low + 1);
    }

    public static IEnumerable<TheoryDataRow<string, int, string>> Cases(bool exactValues) => Build(idempotentOnly: false, exactValues);

    public static IEnumerable<TheoryDataRow<string, int, string>> IdempotentCases() => Build(idempotentOnly: true, exactValues: true);

    private static IEnumerable<TheoryDataRow<string, int, string>> Build(bool idempotentOnly, bool exactValues)
    {
        var cases = new List<(string Kind, int Bits, string Sign)>();
        foreach (string kind in WeightKinds.Where(k => !idempotentOnly || !NormalisesTheWholeTensor(k)))
        {
            cases.AddRange(ValidBits(kind, Signed).Select(bits => (kind, bits, Signed)));
        }

        foreach (string kind in InputKinds)
        {
            foreach (string sign in new[] { Signed, Unsigned, AutoMixed, AutoPositive })
            {
                cases.AddRange(ValidBits(kind, sign).Select(bits => (kind, bits, sign)));
            }
        }

        return cases.Select(c => new TheoryDataRow<string, int, string>(c.Kind, c.Bits, c.Sign)
        {
        });
    }

    private static CalibratedQuantizer Create(string kind, int bits, string sign)
    {
        ActivationSign s = sign switch
        {
            Signed => ActivationSign.Signed,
            Unsigned => ActivationSign.Unsigned,
            _ => ActivationSign.Auto,
        };
        const TensorRole weight = TensorRole.Weight, input = TensorRole.Activation;
        const ActivationSign signed = ActivationSign.Signed;
        CalibratedQuantizer q = kind switch
        {
            "LSQ weight" => new LsqQuantizer(bits, weight, signed),
            "LSQ weight per channel" => new LsqQuantizer(bits, weight, signed, Channels),
            "LSQ+ weight" => new LsqPlusQuantizer(bits, weight, signed, learnOffset: false),
            "LSQ+ weight per channel" => new LsqPlusQuantizer(bits, weight, signed, Channels, learnOffset: false),
            "DoReFa weight" => new DoReFaWeightQuantizer(bits),
            "DoReFa weight per channel" => new DoReFaWeightQuantizer(bits, perChannel: true),
            "APoT weight" => new APoTQuantizer(bits, weight, APoTGrid.PowerOfTwo, signed),
            "APoT weight per channel" => new APoTQuantizer(bits, weight, APoTGrid.PowerOfTwo, signed, Channels),
            "Uniform weight" => new APoTQuantizer(bits, weight, APoTGrid.Uniform, signed),
            "Uniform weight per channel" => new APoTQuantizer(bits, weight, APoTGrid.Uniform, signed, Channels),
            "LSQ input" => new LsqQuantizer(bits, input, s),
            "LSQ+ input" => new LsqPlusQuantizer(bits, input, s),
            "LSQ+ input without offset" => new LsqPlusQuantizer(bits, input, s, learnOffset: false),
            "DSQ" => new DsqQuantizer(bits, s),
            "DoReFa input" => new DoReFaActivationQuantizer(bits, s),
            "PACT input" => new PactQuantizer(bits, s),
            "PACT input, fixed clip" => new PactQuantizer(bits, s, FixedClip),
            "APoT input" => new APoTQuantizer(bits, input, APoTGrid.PowerOfTwo, s),
            "APoT input, fixed clip" => new APoTQuantizer(bits, input, APoTGrid.PowerOfTwo, s, initialClip: FixedClip),
            "APoT input, plain powers of two" => new APoTQuantizer(bits, input, APoTGrid.PowerOfTwo, s, additive: false),
            "Uniform input" => new APoTQuantizer(bits, input, APoTGrid.Uniform, s),
            "Uniform input, fixed clip" => new APoTQuantizer(bits, input, APoTGrid.Uniform, s, initialClip: FixedClip),
            "8-bit input" => new RunningMaxAbsQuantizer(bits, s),
            _ => throw new ArgumentException(kind),
        };
        q.to(float64);
        return q;
    }

    private static bool IsWeight(string kind) => WeightKinds.Contains(kind);

    private static bool IsPerChannel(string kind) => kind.EndsWith("per channel", StringComparison.Ordinal);

    /// <summary>
    /// A weight <c>[8, 16, 3, 3]</c> whose channels have different spreads, or an activation <c>[16, 4, 8, 8]</c> of
    /// both signs (its absolute value for <see cref="AutoPositive"/>).
    /// </summary>
    private static Tensor Input(string kind, string sign, ulong seed)
    {
        using var generator = new Generator(seed);
        if (IsWeight(kind))
        {
            Tensor w = randn([Channels, 16, 3, 3], float64, generator: generator);
            Tensor spread = arange(1, Channels + 1, float64).mul(0.05).view(-1, 1, 1, 1);
            return w * spread + 0.01;
        }

        Tensor x = randn([16, 4, 8, 8], float64, generator: generator) * 1.5 + 0.2;
        return sign == AutoPositive ? x.abs() : x;
    }

    /// <summary>The first training forward initialises the quantizer on <paramref name="x"/>; the result is its eval output.</summary>
    private static Tensor InitializedOutput(CalibratedQuantizer q, Tensor x)
    {
        using var noGrad = no_grad();
        q.train();
        q.call(x).Dispose();
        q.eval();
        return q.call(x);
    }

    /// <summary>Element indices grouped by channel (dimension 0) for per-channel weights, else one group.</summary>
    private static IEnumerable<int[]> Groups(string kind, int count)
    {
        int groups = IsPerChannel(kind) ? (int)Channels : 1;
        int size = count / groups;
        return Enumerable.Range(0, groups).Select(g => Enumerable.Range(g * size, size).ToArray());
    }

    // ---------------------------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Cases), true)]
    public void At_most_two_to_the_bits_distinct_values_per_tensor_or_per_channel(string kind, int bits, string sign)
    {
        using var scope = NewDisposeScope();
        using CalibratedQuantizer q = Create(kind, bits, sign);
        Tensor x = Input(kind, sign, 1);

        double[] y = Values(InitializedOutput(q, x));

        foreach (int[] group in Groups(kind, y.Length))
        {
            // + 0.0 turns −0 into +0, so a zero level counts once.
            int distinct = group.Select(i => y[i] + 0.0).Distinct().Count();
            Assert.True(distinct <= 1 << bits, $"{distinct} distinct values at {bits} bits");
            Assert.True(distinct >= 2, $"only {distinct} distinct value: the tensor was not quantized over its range");
        }
    }

    [Theory]
    [MemberData(nameof(Cases), false)]
    public void Every_value_lies_on_the_quantizers_grid(string kind, int bits, string sign)
    {
        using var scope = NewDisposeScope();
        using CalibratedQuantizer q = Create(kind, bits, sign);
        Tensor x = Input(kind, sign, 2);

        double[] y = Values(InitializedOutput(q, x));

        // The sign: weights are signed; Auto takes it from the data (signed when a value is negative).
        Assert.True(q.IsInitialized);
        Assert.Equal(IsWeight(kind) || sign is Signed or AutoMixed, q.IsSigned);
        int[] channelOf = new int[y.Length];
        foreach (var (group, c) in Groups(kind, y.Length).Select((g, c) => (g, c)))
        {
            foreach (int i in group)
            {
                channelOf[i] = c;
            }
        }

        int L = (1 << bits) - 1, perSide = (1 << (bits - 1)) - 1;
        switch (q)
        {
            case LsqQuantizer lsq:
            {
                // q / max(|s|, 1e−8) is an integer of IntegerRange.Of(b, signed).
                double[] step = Values(lsq.Step).Select(Acting).ToArray();
                IntegerRange range = IntegerRange.Of(bits, lsq.IsSigned);
                for (int i = 0; i < y.Length; i++)
                {
                    AssertLevel(y[i] / step[channelOf[i]], range.Min, range.Max, i);
                }

                break;
            }

            case LsqPlusQuantizer plus:
            {
                // (q − β) / max(|s|, 1e−8) is an integer of IntegerRange.Of(b, signed); β = 0 without an offset.
                double[] step = Values(plus.Step).Select(Acting).ToArray();
                double beta = plus.Offset is null ? 0 : Values(plus.Offset)[0];
                Assert.Equal(kind == "LSQ+ input", plus.Offset is not null);
                IntegerRange range = IntegerRange.Of(bits, plus.IsSigned);
                for (int i = 0; i < y.Length; i++)
                {
                    AssertLevel((y[i] - beta) / step[channelOf[i]], range.Min, range.Max, i);
                }

                break;
            }

            case DsqQuantizer dsq:
            {
                // (q − l) / Δ with Δ = (u − l) / (2^b − 1) is an integer of [0, 2^b − 1].
                double l = Values(dsq.Lower)[0], u = Values(dsq.Upper)[0];
                double delta = (u - l) / L;
                for (int i = 0; i < y.Length; i++)
                {
                    AssertLevel((y[i] - l) / delta, 0, L, i);
                }

                break;
            }

            case DoReFaWeightQuantizer when bits == 1:
            {
                // 1 bit: q = ±mean|w| of the tensor (of the channel), computed here from the input.
                double[] w = Values(x);
                foreach (int[] group in Groups(kind, y.Length))
                {
                    double meanAbs = group.Average(i => Math.Abs(w[i]));
                    foreach (int i in group)
                    {
                        Assert.Equal(w[i] >= 0 ? meanAbs : -meanAbs, y[i], 1e-12);
                    }
                }

                break;
            }

            case DoReFaWeightQuantizer:
            {
                // 2^b levels over [−1, 1]: (q + 1)(2^b − 1)/2 is an integer of [0, 2^b − 1].
                for (int i = 0; i < y.Length; i++)
                {
                    AssertLevel((y[i] + 1) * L / 2, 0, L, i);
                }

                break;
            }

            case DoReFaActivationQuantizer doReFa:
            {
                // Unsigned: q(2^b − 1) is an integer of [0, 2^b − 1]; signed: (q + 1)(2^b − 1)/2 is.
                for (int i = 0; i < y.Length; i++)
                {
                    AssertLevel(doReFa.IsSigned ? (y[i] + 1) * L / 2 : y[i] * L, 0, L, i);
                }

                break;
            }

            case PactQuantizer pact:
            {
                // q / (α/L) is an integer of [0, L] (L = 2^b − 1), or [−L, L] with L = 2^(b−1) − 1 when signed.
                double alpha = Acting(Values(pact.Alpha)[0]);
                int steps = pact.IsSigned ? perSide : L;
                if (kind.EndsWith("fixed clip", StringComparison.Ordinal))
                {
                    Assert.Equal(FixedClip, alpha);
                }

                for (int i = 0; i < y.Length; i++)
                {
                    AssertLevel(y[i] / (alpha / steps), pact.IsSigned ? -steps : 0, steps, i);
                }

                break;
            }

            case APoTQuantizer apot:
            {
                double[] alpha = Values(apot.Alpha).Select(Acting).ToArray();
                if (kind.EndsWith("fixed clip", StringComparison.Ordinal))
                {
                    Assert.Equal(FixedClip, alpha[0]);
                }

                if (apot.Grid == APoTGrid.Uniform)
                {
                    // q/α · L is an integer of [0, L] (L = 2^b − 1), or [−L, L] with L = 2^(b−1) − 1 when signed.
                    int steps = apot.IsSigned ? perSide : L;
                    for (int i = 0; i < y.Length; i++)
                    {
                        AssertLevel(y[i] / alpha[channelOf[i]] * steps, apot.IsSigned ? -steps : 0, steps, i);
                    }
                }
                else
                {
                    // |q/α| is one of PowerOfTwoLevels.Of(b − 1) (signed: a sign bit and magnitudes) or Of(b) (unsigned).
                    double[] levels = PowerOfTwoLevels.Of(apot.IsSigned ? bits - 1 : bits, additive: !kind.Contains("plain"));
                    for (int i = 0; i < y.Length; i++)
                    {
                        double d = y[i] / alpha[channelOf[i]];
                        Assert.True(apot.IsSigned || d >= 0, $"element {i}: {d} is negative on an unsigned grid");
                        double nearest = levels.MinBy(level => Math.Abs(level - Math.Abs(d)));
                        Assert.True(Math.Abs(Math.Abs(d) - nearest) <= 1e-9, $"element {i}: |q/α| = {Math.Abs(d):R} is no level");
                    }
                }

                break;
            }

            case RunningMaxAbsQuantizer runningMax:
            {
                // q / s with s = r / Qp is an integer of IntegerRange.Of(b, signed).
                double step = Values(runningMax.Scale())[0];
                Assert.Equal(Values(runningMax.RunningMax)[0] / runningMax.Range.Max, step, 12);
                for (int i = 0; i < y.Length; i++)
                {
                    AssertLevel(y[i] / step, runningMax.Range.Min, runningMax.Range.Max, i);
                }

                break;
            }

            default:
                Assert.Fail($"no grid check for {q.GetType().Name}");
                break;
        }
    }

    [Theory]
    [MemberData(nameof(Cases), true)]
    public void The_output_follows_the_order_of_the_input(string kind, int bits, string sign)
    {
        using var scope = NewDisposeScope();
        using CalibratedQuantizer q = Create(kind, bits, sign);
        Tensor x = Input(kind, sign, 3);

        double[] y = Values(InitializedOutput(q, x));

        // Within a tensor (a channel for per-channel weights), x_i < x_j implies q_i <= q_j: sorting by x leaves q sorted.
        double[] input = Values(x);
        foreach (int[] group in Groups(kind, y.Length))
        {
            int[] order = group.OrderBy(i => input[i]).ToArray();
            for (int k = 1; k < order.Length; k++)
            {
                Assert.True(
                    y[order[k]] >= y[order[k - 1]],
                    $"x = {input[order[k - 1]]:R} gives {y[order[k - 1]]:R} but the larger x = {input[order[k]]:R} gives {y[order[k]]:R}");
            }
        }
    }

    [Fact]
    public void A_sorted_input_gives_a_sorted_output()
    {
        using var scope = NewDisposeScope();
        foreach (Func<CalibratedQuantizer> create in new Func<CalibratedQuantizer>[]
                 {
                     () => new LsqQuantizer(3, TensorRole.Activation, ActivationSign.Auto),
                     () => new LsqPlusQuantizer(3, TensorRole.Activation, ActivationSign.Auto),
                     () => new DsqQuantizer(3, ActivationSign.Auto),
                     () => new DoReFaActivationQuantizer(3, ActivationSign.Auto),
                     () => new PactQuantizer(3, ActivationSign.Auto),
                     () => new APoTQuantizer(3, TensorRole.Activation, APoTGrid.PowerOfTwo, ActivationSign.Auto),
                     () => new APoTQuantizer(3, TensorRole.Activation, APoTGrid.Uniform, ActivationSign.Auto),
                     () => new RunningMaxAbsQuantizer(3, ActivationSign.Auto),
                 })
        {
            using CalibratedQuantizer q = create();
            q.to(float64);
            using var generator = new Generator(4);
            Tensor x = (randn([2000], float64, generator: generator) * 2).sort().Values;

            Tensor y = InitializedOutput(q, x);

            double[] values = Values(y);
            Assert.True(values.Zip(values.Skip(1)).All(p => p.First <= p.Second), $"{q.GetType().Name}: the output is not sorted");
            Assert.True(values.Distinct().Count() > 2, $"{q.GetType().Name}: the output is (nearly) constant");
        }
    }

    [Fact]
    public void A_1_bit_DoReFa_weight_takes_exactly_the_two_values_plus_and_minus_its_mean_magnitude()
    {
        using var scope = NewDisposeScope();
        using var q = new DoReFaWeightQuantizer(1);
        q.to(float64);
        // Dyadic values, so the sum of magnitudes is exact in any order: mean|w| = 0.1484375 / 3.
        Tensor w = Vector(-0.015625, 0.125, 0.0078125);

        double[] y = Values(InitializedOutput(q, w));

        // q = sign(w) · mean|w| exactly: [−m, m, m] with m = 0.1484375 / 3 rounded once.
        const double m = 0.1484375 / 3;
        Assert.Equal([-m, m, m], y);
        Assert.Single(y.Select(Math.Abs).Distinct());
    }

    [Theory]
    [MemberData(nameof(IdempotentCases))]
    public void Quantizing_a_quantized_tensor_again_changes_nothing(string kind, int bits, string sign)
    {
        using var scope = NewDisposeScope();
        using CalibratedQuantizer q = Create(kind, bits, sign);
        Tensor x = Input(kind, sign, 5);

        Tensor once = InitializedOutput(q, x);
        Tensor twice;
        using (no_grad())
        {
            twice = q.call(once);
        }

        Identical(once, twice);
    }

    /// <summary>A learned scale as the quantizers act with it: <c>max(|p|, 1e−8)</c>.</summary>
    private static double Acting(double p) => Math.Max(Math.Abs(p), 1e-8);

    /// <summary><paramref name="k"/> is an integer (to 1e−9) within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    private static void AssertLevel(double k, int min, int max, int element)
    {
        double rounded = Math.Round(k);
        Assert.True(Math.Abs(k - rounded) <= 1e-9, $"element {element}: {k:R} is not an integer level");
        Assert.True(rounded >= min && rounded <= max, $"element {element}: level {rounded} is outside [{min}, {max}]");
    }
}
