using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Kernels;

/// <summary>
/// Runs a quantizer with its fused kernel and its twin on the composed path (same state) on the same input and
/// upstream gradient, and checks that they agree: the forward element for element, the input's gradient within a
/// few ulps (the composed graph multiplies and divides by the same factors), each learned parameter's gradient
/// within <c>1e-5 · Σ|g| · bound</c>, where the bound is the largest magnitude one element's term can have
/// (both paths sum float32 terms, in different orders).
/// </summary>
internal static class FusedAgreement
{
    public sealed record Outcome(float[] Output, float[]? InputGradient, double[][] ParameterGradients);

    public static Outcome Run(nn.Module<Tensor, Tensor> quantizer, Tensor input, Tensor upstream, bool inputGradient = true)
    {
        using var scope = NewDisposeScope();
        Parameter[] parameters = [.. quantizer.parameters()];
        foreach (Parameter p in parameters)
        {
            p.grad?.zero_();
        }

        Tensor x = inputGradient ? input.detach().requires_grad_(true) : input.detach();
        Tensor y = quantizer.call(x);
        (y * upstream).sum().backward();
        return new Outcome(
            Floats(y),
            inputGradient ? Floats(x.grad!) : null,
            [.. parameters.Select(p => p.grad is null ? [] : p.grad.to(float64).data<double>().ToArray())]);
    }

    /// <param name="bounds">Per learned parameter (in <c>parameters()</c> order), the largest magnitude of one element's term.</param>
    public static void AssertAgree(nn.Module<Tensor, Tensor> fused, nn.Module<Tensor, Tensor> composed, Tensor input, Tensor upstream, params double[] bounds) =>
        AssertAgree(fused, composed, input, upstream, inputTolerance: null, bounds);

    /// <param name="inputTolerance">
    /// When set, the input's gradient may differ by this times <c>|g|</c> per element (for kernels whose
    /// transcendental functions are computed differently from libtorch's); else by 4 ulps.
    /// </param>
    public static void AssertAgree(
        nn.Module<Tensor, Tensor> fused, nn.Module<Tensor, Tensor> composed, Tensor input, Tensor upstream, double? inputTolerance, params double[] bounds)
    {
        Outcome a = Run(fused, input, upstream);
        Outcome b = Run(composed, input, upstream);

        Assert.Equal(b.Output, a.Output);
        if (inputTolerance is { } relative)
        {
            float[] g = Floats(upstream);
            for (int i = 0; i < g.Length; i++)
            {
                Assert.True(Math.Abs(a.InputGradient![i] - b.InputGradient![i]) <= relative * Math.Abs(g[i]),
                    $"element {i}: composed {b.InputGradient![i]}, fused {a.InputGradient![i]}, upstream {g[i]}");
            }
        }
        else
        {
            AssertWithinUlps(b.InputGradient!, a.InputGradient!, 4);
        }

        double gradientMass = upstream.abs().sum().to(float64).item<double>();
        Assert.Equal(b.ParameterGradients.Length, a.ParameterGradients.Length);
        for (int p = 0; p < a.ParameterGradients.Length; p++)
        {
            Assert.Equal(b.ParameterGradients[p].Length, a.ParameterGradients[p].Length);
            for (int i = 0; i < a.ParameterGradients[p].Length; i++)
            {
                double tolerance = (1e-5 * gradientMass * bounds[p]) + 1e-12;
                Assert.True(Math.Abs(a.ParameterGradients[p][i] - b.ParameterGradients[p][i]) <= tolerance,
                    $"parameter {p}[{i}]: fused {a.ParameterGradients[p][i]}, composed {b.ParameterGradients[p][i]}, tolerance {tolerance}");
            }
        }
    }

    public static Tensor Random(long[] shape, ulong seed, float scale = 1.5f)
    {
        var generator = new Generator(seed);
        return randn(shape, dtype: float32, generator: generator) * scale;
    }

    public static float[] Floats(Tensor t) => t.detach().contiguous().data<float>().ToArray();

    public static void AssertWithinUlps(float[] expected, float[] actual, int ulps)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            float tolerance = ulps * (MathF.BitIncrement(MathF.Abs(expected[i])) - MathF.Abs(expected[i]));
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: composed {expected[i]}, fused {actual[i]}");
        }
    }
}
