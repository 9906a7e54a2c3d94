using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Lsq;

/// <summary>Builds float64 LSQ and LSQ+ quantizers with a chosen, already initialised state.</summary>
internal static class LsqTesting
{
    /// <summary>An initialised float64 LSQ quantizer whose step is <paramref name="step"/> (one value per channel).</summary>
    public static LsqQuantizer NewLsq(int bits, bool signed, TensorRole role, double[] step, bool scaleGradient = true)
    {
        var quantizer = new LsqQuantizer(
            bits, role, signed ? ActivationSign.Signed : ActivationSign.Unsigned, step.Length, scaleGradient);
        quantizer.to(float64);
        using (var data = ones(step.Length, 1, dtype: float64))
        {
            quantizer.InitializeFrom(data);
        }

        Set(quantizer.Step, step);
        return quantizer;
    }

    /// <summary>
    /// An initialised float64 LSQ+ quantizer with step <paramref name="step"/> and, when <paramref name="offset"/> is
    /// given, a learned offset (activations only).
    /// </summary>
    public static LsqPlusQuantizer NewLsqPlus(
        int bits, bool signed, TensorRole role, double[] step, double? offset = null, bool scaleGradient = true)
    {
        var quantizer = new LsqPlusQuantizer(
            bits, role, signed ? ActivationSign.Signed : ActivationSign.Unsigned, step.Length,
            learnOffset: offset is not null, scaleGradient: scaleGradient);
        quantizer.to(float64);
        using (var data = ones(step.Length, 1, dtype: float64))
        {
            quantizer.InitializeFrom(data);
        }

        Set(quantizer.Step, step);
        if (offset is { } beta)
        {
            Set(quantizer.Offset!, [beta]);
        }

        return quantizer;
    }

    /// <summary>Overwrites a parameter in place, without recording a gradient.</summary>
    public static void Set(Tensor parameter, double[] values)
    {
        using var noGrad = no_grad();
        using Tensor source = Vector(values);
        parameter.copy_(source);
    }

    /// <summary>The gradient of a parameter after a backward pass, as doubles.</summary>
    public static double[] Gradient(Tensor parameter)
    {
        Assert.NotNull(parameter.grad);
        return Values(parameter.grad!);
    }

    /// <summary>Runs <paramref name="quantizer"/> on <paramref name="x"/> without gradient and returns the loss sum(q·c).</summary>
    public static double Loss(nn.Module<Tensor, Tensor> quantizer, Tensor x, Tensor c)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return (quantizer.call(x) * c).sum().ToDouble();
    }

    /// <summary>Central difference of sum(q·c) with respect to element <paramref name="index"/> of <paramref name="parameter"/>.</summary>
    public static double FiniteDifference(
        nn.Module<Tensor, Tensor> quantizer, Tensor parameter, long index, Tensor x, Tensor c, double h = 1e-6)
    {
        double[] all = Values(parameter);
        double original = all[index];

        all[index] = original + h;
        Set(parameter, all);
        double plus = Loss(quantizer, x, c);

        all[index] = original - h;
        Set(parameter, all);
        double minus = Loss(quantizer, x, c);

        all[index] = original;
        Set(parameter, all);
        return (plus - minus) / (2 * h);
    }
}
