using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Training;

/// <summary>
/// What the calibration, cache, device and QAT tests share: seeded data and weights (no global seed, so tests running
/// side by side cannot disturb each other), one policy per method, and plain C# statistics for expected values.
/// </summary>
internal static class TrainingSupport
{
    /// <summary>The low-bit methods of QQuant.Quantizers, from the registry (the property tests' families).</summary>
    public static readonly string[] Methods = Properties.PropertySupport.Families;

    /// <summary>Conv2d and Linear rules for <paramref name="method"/> at <paramref name="w"/>/<paramref name="a"/> bits.</summary>
    public static QuantPolicy PolicyFor(string method, int w = 4, int a = 4) => Properties.PropertySupport.Pair(method, w, a);

    /// <summary>Standard normal values of the given shape from a seeded generator.</summary>
    public static Tensor Normal(ulong seed, ScalarType dtype, params long[] shape)
    {
        using var generator = new Generator(seed);
        return randn(shape, dtype: dtype, generator: generator);
    }

    /// <summary>Overwrites every parameter with seeded uniform values in ±1/√fan-in (biases ±0.1).</summary>
    public static void Reinitialize(nn.Module model, ulong seed)
    {
        using var generator = new Generator(seed);
        using var noGrad = no_grad();
        foreach (Parameter p in model.parameters())
        {
            double bound = p.dim() > 1 ? 1 / Math.Sqrt(p.numel() / p.shape[0]) : 0.1;
            using Tensor u = rand(p.shape, dtype: p.dtype, generator: generator);
            using Tensor scaled = (u * 2 - 1) * bound;
            p.copy_(scaled);
        }
    }

    /// <summary>The calibrated quantizers of a model, in module order.</summary>
    public static List<CalibratedQuantizer> QuantizersOf(nn.Module model) =>
        model.modules().OfType<CalibratedQuantizer>().ToList();

    /// <summary>The learnable quantizer parameters of a model: step, offset, alpha, lower and upper, by name.</summary>
    public static List<(string Name, Parameter Parameter)> QuantizerParameters(nn.Module model) =>
        model.named_parameters()
            .Where(p => p.name.Contains("quantizer.", StringComparison.Ordinal))
            .Select(p => (p.name, p.parameter))
            .ToList();

    public static double MeanAbs(IEnumerable<double> values) => values.Select(Math.Abs).Average();

    public static double Mean(IEnumerable<double> values) => values.Average();

    /// <summary>Standard deviation with Bessel's correction.</summary>
    public static double Std(IReadOnlyCollection<double> values)
    {
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }

    /// <summary>Row-major values of a float64 CPU tensor, one array per index of dimension 0.</summary>
    public static double[][] Rows(Tensor t)
    {
        double[] all = TensorAssert.Values(t);
        int rows = (int)t.shape[0];
        int width = all.Length / rows;
        return Enumerable.Range(0, rows).Select(r => all.Skip(r * width).Take(width).ToArray()).ToArray();
    }

    /// <summary><c>relu(x·Wᵀ + b)</c> by plain loops, row by row.</summary>
    public static double[][] LinearRelu(double[][] x, double[][] w, double[] b) =>
        x.Select(row => w.Select((wo, o) => Math.Max(0, row.Zip(wo, (xi, wi) => xi * wi).Sum() + b[o])).ToArray()).ToArray();
}
