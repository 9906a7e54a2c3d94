using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.PactAPoT;

/// <summary>
/// The uniform grid of <see cref="APoTQuantizer"/>: q = round(d·L)/L·α with L = 2^b − 1 unsigned (the paper's divisor)
/// or L = 2^(b−1) − 1 per side signed; α's gradient q − d inside and ±1 outside.
/// </summary>
public class UniformGridTests
{
    private static APoTQuantizer Activation(int bits, ActivationSign sign, double alpha)
    {
        var q = new APoTQuantizer(bits, TensorRole.Activation, APoTGrid.Uniform, sign, initialClip: alpha);
        q.to(float64);
        return q;
    }

    [Fact]
    public void Unsigned_2_bit_activations_have_three_steps_not_two()
    {
        using var scope = NewDisposeScope();
        using var q = Activation(2, ActivationSign.Unsigned, 3);

        Tensor actual = q.call(Vector(-1, 0.4, 0.6, 1.4, 2.6, 3.5));

        // α = 3, L = 3: d·3 = clamp(x, 0, 3) = [0, .4, .6, 1.4, 2.6, 3] -> [0, 0, 1, 1, 3, 3] -> /3·3.
        // (With a divisor of 2^(b-1) = 2, 1.4 would give round(.933)/2·3 = 1.5.)
        Close([0, 0, 1, 1, 3, 3], actual, 1e-12);
    }

    [Fact]
    public void Unsigned_4_bit_activations_have_fifteen_steps()
    {
        using var scope = NewDisposeScope();
        using var q = Activation(4, ActivationSign.Unsigned, 1.5);

        Tensor actual = q.call(Vector(0.04, 0.06, 0.73, 1.01, 1.44, 2));

        // α = 1.5, L = 15: d·15 = 10x = [.4, .6, 7.3, 10.1, 14.4, 15 (clipped)] -> [0, 1, 7, 10, 14, 15] -> /15·1.5.
        Close([0, 0.1, 0.7, 1.0, 1.4, 1.5], actual, 1e-12);
    }

    [Fact]
    public void Signed_4_bit_activations_have_seven_steps_per_side()
    {
        using var scope = NewDisposeScope();
        using var q = Activation(4, ActivationSign.Signed, 7);

        Tensor actual = q.call(Vector(-8, -3.4, -0.6, 0.2, 2.4, 6.8));

        // α = 7, L = 7: d·7 = clamp(x, -7, 7) -> [-7, -3, -1, 0, 2, 7] -> /7·7.
        Close([-7, -3, -1, 0, 2, 7], actual, 1e-12);
    }

    [Fact]
    public void Four_bit_weights_round_the_standardised_weight_to_sevenths()
    {
        using var scope = NewDisposeScope();
        using var q = new APoTQuantizer(4, TensorRole.Weight, APoTGrid.Uniform, ActivationSign.Signed);
        q.to(float64);

        Tensor actual = q.call(Vector(-3.5, -1.5, -1.5, 0.5, 1.5, 2.5, 5.5));

        // mean 0.5, unbiased std 3 (deviations [-4,-2,-2,0,1,2,5], squares 54, /6 = 9); α = 3, L = 7:
        // d·7 = [-4,-2,-2,0,1,2,5]·7/9 = [-3.11, -1.56, -1.56, 0, .78, 1.56, 3.89] -> [-3, -2, -2, 0, 1, 2, 4] -> /7·3.
        Close([-9 / 7.0, -6 / 7.0, -6 / 7.0, 0, 3 / 7.0, 6 / 7.0, 12 / 7.0], actual, 1e-12);
    }

    [Fact]
    public void Unsigned_gradients_by_hand()
    {
        using var scope = NewDisposeScope();
        using var q = Activation(2, ActivationSign.Unsigned, 3);
        Tensor x = Vector(-1, 0.4, 1.4, 2.6, 4).requires_grad_(true);
        Tensor g = Vector(1, 2, 3, 4, 5);

        (q.call(x) * g).sum().backward();

        Close([0, 2, 3, 4, 0], x.grad!);
        // d = [0, .4/3, 1.4/3, 2.6/3, 1], q = [0, 0, 1/3, 1, 1]: g·(q - d) inside, +g above, nothing below.
        Close([2 * (0 - 0.4 / 3) + 3 * (1 / 3.0 - 1.4 / 3) + 4 * (1 - 2.6 / 3) + 5], q.Alpha.grad!, 1e-12);
    }

    [Fact]
    public void Signed_gradients_by_hand()
    {
        using var scope = NewDisposeScope();
        using var q = Activation(2, ActivationSign.Signed, 2);
        Tensor x = Vector(-3, -0.6, 1.4, 2.5).requires_grad_(true);
        Tensor g = Vector(1, 2, 3, 4);

        (q.call(x) * g).sum().backward();

        Close([0, 2, 3, 0], x.grad!);
        // L = 1: d = [-1, -.3, .7, 1], q = [-1, 0, 1, 1]: -1 below, q - d inside, +1 above: -1 + 2·.3 + 3·.3 + 4 = 4.5.
        Close([-1 + 2 * 0.3 + 3 * 0.3 + 4], q.Alpha.grad!, 1e-12);
    }

    [Theory]
    [InlineData(2, ActivationSign.Unsigned)]
    [InlineData(4, ActivationSign.Signed)]
    public void Alpha_gradient_matches_finite_differences_of_the_straight_through_surrogate(int bits, ActivationSign sign)
    {
        using var scope = NewDisposeScope();
        const double alpha = 1.3;
        using var q = Activation(bits, sign, alpha);
        using var generator = new Generator(5);
        Tensor x = rand(50, dtype: float64, generator: generator) * 4 - 2;
        Tensor g = randn(50, dtype: float64, generator: generator);

        Tensor y = q.call(x);
        (y * g).sum().backward();

        double[] xs = Values(x), gs = Values(g), ys = Values(y);
        double low = sign == ActivationSign.Signed ? -1 : 0;
        double[] offsets = xs.Select((v, i) => ys[i] / alpha - Math.Clamp(v / alpha, low, 1)).ToArray();
        double F(double a) => xs.Select((v, i) => gs[i] * a * (Math.Clamp(v / a, low, 1) + offsets[i])).Sum();
        const double h = 1e-6;

        Close([(F(alpha + h) - F(alpha - h)) / (2 * h)], q.Alpha.grad!, 1e-6);
    }
}
