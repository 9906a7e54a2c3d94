using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.DsqDoReFa;

/// <summary>Builds float64 DSQ quantizers with chosen bounds and takes finite differences of their soft surrogate.</summary>
internal static class DsqTestSupport
{
    /// <summary>
    /// A float64 quantizer initialised from <c>[lower, upper]</c> (so l = lower, u = upper), in training mode. α is
    /// written again after the cast, so it is exactly <paramref name="alpha"/> rather than its float32 rounding.
    /// </summary>
    public static DsqQuantizer Make(int bits, double lower, double upper, double alpha = 0.2)
    {
        var quantizer = new DsqQuantizer(bits, ActivationSign.Signed, alpha);
        quantizer.to(float64);
        SetAlpha(quantizer, alpha);
        using (Tensor bounds = Vector(lower, upper))
        {
            quantizer.InitializeFrom(bounds);
        }

        quantizer.train();
        return quantizer;
    }

    /// <summary>Sets α directly (outside the constructor's range too), without gradient.</summary>
    public static void SetAlpha(DsqQuantizer quantizer, double alpha)
    {
        using var noGrad = no_grad();
        quantizer.Alpha.fill_(alpha);
    }

    /// <summary><c>Σ g·SoftQuantize(x)</c> without gradient.</summary>
    public static double SoftObjective(DsqQuantizer quantizer, Tensor x, Tensor g)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return (quantizer.SoftQuantize(x) * g).sum().ToDouble();
    }

    /// <summary>Central difference (h = 1e−6) of <see cref="SoftObjective"/> in the single-element parameter <paramref name="p"/>.</summary>
    public static double FiniteDifference(DsqQuantizer quantizer, Parameter p, Tensor x, Tensor g, double h = 1e-6)
    {
        using (no_grad())
        {
            p.add_(h);
        }

        double plus = SoftObjective(quantizer, x, g);
        using (no_grad())
        {
            p.sub_(2 * h);
        }

        double minus = SoftObjective(quantizer, x, g);
        using (no_grad())
        {
            p.add_(h);
        }

        return (plus - minus) / (2 * h);
    }

    /// <summary>The single value of a one-element gradient.</summary>
    public static double Gradient(Parameter p)
    {
        Assert.NotNull(p.grad);
        return Values(p.grad!).Single();
    }

    public static double Sech2(double z)
    {
        double c = Math.Cosh(z);
        return 1 / (c * c);
    }
}
