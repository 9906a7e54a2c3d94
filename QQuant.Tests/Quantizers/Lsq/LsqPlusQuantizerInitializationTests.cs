using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Lsq;

/// <summary>
/// LSQ+ initialisation: weights s = max(|μ − 3σ|, |μ + 3σ|) / 2^(b−1) (σ unbiased); activations with an offset
/// s = (max − min)/(Qp − Qn), β = min − Qn · s; without one the smallest step whose grid covers [min, max].
/// </summary>
public class LsqPlusQuantizerInitializationTests
{
    private static LsqPlusQuantizer Float64(
        int bits, TensorRole role, ActivationSign sign, long channels = 1, bool learnOffset = true)
    {
        var quantizer = new LsqPlusQuantizer(bits, role, sign, channels, learnOffset && role == TensorRole.Activation);
        quantizer.to(float64);
        return quantizer;
    }

    // [1, 2, 3, 6]: μ = 3, Σ(x − μ)² = 4 + 1 + 0 + 9 = 14, unbiased σ = √(14/3); max(|μ − 3σ|, |μ + 3σ|) = 3 + 3σ.
    private static readonly double Reach = 3 + 3 * Math.Sqrt(14.0 / 3);

    [Theory]
    [InlineData(2, new double[] { 1, 2, 3, 6 })]
    [InlineData(4, new double[] { 1, 2, 3, 6 })]
    // μ = -3: |μ − 3σ| = 3 + 3σ is now the larger one, so the step is the same.
    [InlineData(2, new double[] { -1, -2, -3, -6 })]
    [InlineData(4, new double[] { -1, -2, -3, -6 })]
    public void A_weight_step_is_three_sigma_around_the_mean_over_half_the_levels(int bits, double[] data)
    {
        using var scope = NewDisposeScope();
        using LsqPlusQuantizer q = Float64(bits, TensorRole.Weight, ActivationSign.Signed);

        q.call(Vector(data));

        // (3 + 3√(14/3)) / 2^(b−1): /2 at 2 bits, /8 at 4 bits.
        Close([Reach / (1 << (bits - 1))], q.Step, 1e-12);
        Assert.Null(q.Offset);
    }

    [Fact]
    public void Per_channel_weight_steps_use_each_output_channels_mean_and_deviation()
    {
        using var scope = NewDisposeScope();
        using LsqPlusQuantizer q = Float64(4, TensorRole.Weight, ActivationSign.Signed, channels: 4);

        q.call(Matrix([4, 1, 2, 2], 1, 2, 3, 6, 0.5, -0.5, 0.5, -0.5, 2, 2, 2, 2, 0, 0, 0, 0));

        // 4 bits -> / 8. Channel 0: (3 + 3√(14/3))/8. Channel 1: μ = 0, σ² = 4 · .25 / 3 = 1/3, 3σ = √3 -> √3/8.
        // Channel 2: constant 2 -> μ = 2, σ = 0 -> 2/8. Channel 3: all zero -> 0 -> 1.
        Assert.Equal([4L], q.Step.shape);
        Close([Reach / 8, Math.Sqrt(3) / 8, 0.25, 1], q.Step, 1e-12);
    }

    public static TheoryData<int, ActivationSign, double[], double, double> OffsetCases() => new()
    {
        // Unsigned 2 bits (Qn = 0, Qp = 3): s = (3.5 - .5)/3 = 1, β = .5.
        { 2, ActivationSign.Unsigned, [0.5, 2, 3.5, 1], 1, 0.5 },
        // Unsigned 4 bits (0..15): s = (3.2 - .2)/15 = .2, β = .2.
        { 4, ActivationSign.Unsigned, [0.2, 1.1, 3.2], 0.2, 0.2 },
        // Signed 2 bits (-2..1): s = (.8 + .7)/3 = .5, β = -.7 + 2 · .5 = .3.
        { 2, ActivationSign.Signed, [-0.7, 0.4, 0.8], 0.5, 0.3 },
        // Signed 4 bits (-8..7): s = (14 + 1)/15 = 1, β = -1 + 8 = 7.
        { 4, ActivationSign.Signed, [-1, 2, 0.5, 14], 1, 7 },
        // Auto with negatives -> signed 4 bits: as above.
        { 4, ActivationSign.Auto, [-1, 2, 0.5, 14], 1, 7 },
        // Auto without negatives -> unsigned 4 bits: s = (3.2 - .2)/15 = .2, β = .2.
        { 4, ActivationSign.Auto, [0.2, 1.1, 3.2], 0.2, 0.2 },
    };

    [Theory]
    [MemberData(nameof(OffsetCases))]
    public void An_activation_grid_with_an_offset_spans_the_datas_range(
        int bits, ActivationSign sign, double[] data, double step, double offset)
    {
        using var scope = NewDisposeScope();
        using LsqPlusQuantizer q = Float64(bits, TensorRole.Activation, sign);

        Tensor y = q.call(Vector(data));

        Close([step], q.Step, 1e-12);
        Close([offset], q.Offset!, 1e-12);
        // The ends of the grid are the data's min and max, so both come out unchanged.
        double[] output = Values(y);
        Assert.Equal(data.Min(), output.Min(), 12);
        Assert.Equal(data.Max(), output.Max(), 12);
    }

    public static TheoryData<int, ActivationSign, double[], double> CoveringCases() => new()
    {
        // Signed 4 bits: max(3.5/7, -6/-8) = max(.5, .75) = .75.
        { 4, ActivationSign.Signed, [-6, 1, 3.5], 0.75 },
        // Signed 4 bits: max(7/7, -2/-8) = max(1, .25) = 1.
        { 4, ActivationSign.Signed, [-2, 7], 1 },
        // Signed 2 bits (-2..1): max(.9/1, -3/-2) = 1.5.
        { 2, ActivationSign.Signed, [-3, 0.9], 1.5 },
        // Unsigned 2 bits: 4.5/3 = 1.5.
        { 2, ActivationSign.Unsigned, [0.3, 4.5], 1.5 },
        // Unsigned with negative data: the negatives are not covered, still 4.5/3.
        { 2, ActivationSign.Unsigned, [-3, 0.3, 4.5], 1.5 },
        // Auto, no negatives -> unsigned 4 bits: 4.5/15 = .3.
        { 4, ActivationSign.Auto, [0.3, 4.5], 0.3 },
        // All zero -> 0 -> 1.
        { 4, ActivationSign.Signed, [0, 0, 0], 1 },
    };

    [Theory]
    [MemberData(nameof(CoveringCases))]
    public void Without_an_offset_the_activation_step_is_the_smallest_that_covers_the_data(
        int bits, ActivationSign sign, double[] data, double step)
    {
        using var scope = NewDisposeScope();
        using LsqPlusQuantizer q = Float64(bits, TensorRole.Activation, sign, learnOffset: false);

        q.call(Vector(data));

        Assert.Null(q.Offset);
        Close([step], q.Step, 1e-12);
    }

    [Theory]
    // Signed 4 bits: s = 0 -> 1, β = 2.5 + 8 = 10.5; (2.5 - 10.5)/1 = -8 = Qn -> q = -8 + 10.5 = 2.5.
    [InlineData(4, ActivationSign.Signed, 2.5, 10.5)]
    // Unsigned 2 bits: β = 2.5 - 0 = 2.5; u = 0 -> q = 2.5.
    [InlineData(2, ActivationSign.Unsigned, 2.5, 2.5)]
    // Auto, negative constant -> signed 2 bits: β = -1.5 + 2 = .5; u = -2 -> q = -2 + .5 = -1.5.
    [InlineData(2, ActivationSign.Auto, -1.5, 0.5)]
    // Auto, zeros -> unsigned 4 bits: β = 0.
    [InlineData(4, ActivationSign.Auto, 0, 0)]
    public void A_constant_activation_gets_a_step_of_1_and_is_represented_exactly_by_the_offset(
        int bits, ActivationSign sign, double value, double offset)
    {
        using var scope = NewDisposeScope();
        using LsqPlusQuantizer q = Float64(bits, TensorRole.Activation, sign);
        Tensor x = full(2, 3, value, dtype: float64);

        Tensor y = q.call(x);
        q.eval();
        Tensor again = q.call(x);

        Close([1], q.Step, 0);
        Close([offset], q.Offset!, 1e-12);
        Close(x, y, 0);
        Close(x, again, 0);
    }

    [Fact]
    public void An_all_zero_weight_gets_a_step_of_1()
    {
        using var scope = NewDisposeScope();
        using LsqPlusQuantizer q = Float64(2, TensorRole.Weight, ActivationSign.Signed);

        Tensor y = q.call(zeros(3, 2, dtype: float64));

        Close([1], q.Step, 0);
        Close(new double[6], y, 0);
    }

    [Fact]
    public void Later_batches_leave_step_and_offset_alone()
    {
        using var scope = NewDisposeScope();
        using LsqPlusQuantizer q = Float64(2, TensorRole.Activation, ActivationSign.Unsigned);

        q.call(Vector(0.5, 2, 3.5, 1));
        q.call(Vector(-10, 50));

        // Still s = 1, β = .5 from the first batch.
        Close([1], q.Step, 1e-12);
        Close([0.5], q.Offset!, 1e-12);
    }
}
