using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Lsq;

/// <summary>LSQ initialisation from the first training batch: s = 2 · mean|x| / √Qp (per channel too; zeros give 1).</summary>
public class LsqQuantizerInitializationTests
{
    private static LsqQuantizer Float64(int bits, TensorRole role, ActivationSign sign, long channels = 1)
    {
        var quantizer = new LsqQuantizer(bits, role, sign, channels);
        quantizer.to(float64);
        return quantizer;
    }

    public static TheoryData<int, ActivationSign, double[], double> PerTensorCases() => new()
    {
        // mean|x| = (1 + 2 + 3 + 4)/4 = 2.5; signed 2 bits: Qp = 1 -> s = 5.
        { 2, ActivationSign.Signed, [1, -2, 3, -4], 5 },
        // Signed 4 bits: Qp = 7 -> s = 5/√7.
        { 4, ActivationSign.Signed, [1, -2, 3, -4], 5 / Math.Sqrt(7) },
        // mean|x| = (1 + 2 + 3 + 6)/4 = 3; unsigned 2 bits: Qp = 3 -> s = 6/√3.
        { 2, ActivationSign.Unsigned, [1, 2, 3, 6], 6 / Math.Sqrt(3) },
        // Unsigned 4 bits: Qp = 15 -> s = 6/√15.
        { 4, ActivationSign.Unsigned, [1, 2, 3, 6], 6 / Math.Sqrt(15) },
        // Auto with negatives -> signed, Qp = 7: s = 5/√7.
        { 4, ActivationSign.Auto, [1, -2, 3, -4], 5 / Math.Sqrt(7) },
        // Auto without negatives -> unsigned, Qp = 15: s = 6/√15.
        { 4, ActivationSign.Auto, [1, 2, 3, 6], 6 / Math.Sqrt(15) },
        // Auto, 2 bits, negatives -> signed, Qp = 1: s = 2 · 2.5 = 5.
        { 2, ActivationSign.Auto, [1, -2, 3, -4], 5 },
        // Unsigned with negative data still averages |x|: mean = 2.5, Qp = 15 -> 5/√15.
        { 4, ActivationSign.Unsigned, [1, -2, 3, -4], 5 / Math.Sqrt(15) },
    };

    [Theory]
    [MemberData(nameof(PerTensorCases))]
    public void The_first_training_forward_sets_the_step_to_twice_the_mean_magnitude_over_root_Qp(
        int bits, ActivationSign sign, double[] data, double expected)
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = Float64(bits, TensorRole.Activation, sign);
        Assert.False(q.IsInitialized);

        q.train();
        q.call(Vector(data));

        Assert.True(q.IsInitialized);
        Close([expected], q.Step, 1e-12);
    }

    [Fact]
    public void The_first_forward_already_quantizes_with_the_initialised_step()
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = Float64(2, TensorRole.Weight, ActivationSign.Signed);

        Tensor y = q.call(Vector(1, -2, 3, -4));

        // s = 2 · 2.5 / √1 = 5: x/s = [.2, -.4, .6, -.8] -> round [0, -0, 1, -1] -> times 5.
        Close([0, 0, 5, -5], y);
    }

    [Fact]
    public void Per_channel_steps_use_each_rows_mean_magnitude_and_a_zero_row_gets_1()
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = Float64(4, TensorRole.Weight, ActivationSign.Signed, channels: 3);

        q.call(Matrix([3, 3], 1, -2, 3, 0.5, 0.5, -0.5, 0, 0, 0));

        // Qp = 7. Row 0: mean|x| = 2 -> 4/√7; row 1: mean|x| = .5 -> 1/√7; row 2: all zero -> 1.
        Assert.Equal([3L], q.Step.shape);
        Close([4 / Math.Sqrt(7), 1 / Math.Sqrt(7), 1], q.Step, 1e-12);
    }

    [Fact]
    public void Per_channel_steps_of_a_4d_weight_average_over_each_output_channel()
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = Float64(2, TensorRole.Weight, ActivationSign.Signed, channels: 2);

        q.call(Matrix([2, 1, 2, 2], 1, -1, 3, -3, 0.25, -0.25, 0.25, 0.75));

        // Qp = 1. Channel 0: mean|x| = 2 -> 4; channel 1: mean|x| = .375 -> .75.
        Close([4, 0.75], q.Step, 1e-12);
    }

    [Fact]
    public void An_all_zero_tensor_gives_a_step_of_1()
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = Float64(4, TensorRole.Activation, ActivationSign.Auto);

        Tensor y = q.call(zeros(2, 5, dtype: float64));

        // mean|x| = 0 -> s = 1; no negatives -> unsigned.
        Close([1], q.Step, 0);
        Assert.False(q.IsSigned);
        Close(new double[10], y, 0);
    }

    [Fact]
    public void Initialisation_happens_once_and_later_batches_leave_the_step_alone()
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = Float64(4, TensorRole.Activation, ActivationSign.Signed);

        q.call(Vector(1, -2, 3, -4));
        q.call(Vector(100, -200, 300, -400));

        // Still 2 · 2.5 / √7 from the first batch.
        Close([5 / Math.Sqrt(7)], q.Step, 1e-12);
    }

    [Fact]
    public void InitializeFrom_uses_the_same_formula_without_a_forward()
    {
        using var scope = NewDisposeScope();
        using LsqQuantizer q = Float64(4, TensorRole.Activation, ActivationSign.Auto);

        q.InitializeFrom(Vector(1, 2, 3, 6));

        // No negatives -> unsigned, Qp = 15, mean|x| = 3 -> 6/√15.
        Assert.True(q.IsInitialized);
        Assert.False(q.IsSigned);
        Close([6 / Math.Sqrt(15)], q.Step, 1e-12);
    }

    [Fact]
    public void A_float32_quantizer_initialises_in_float32()
    {
        using var scope = NewDisposeScope();
        using var q = new LsqQuantizer(4, TensorRole.Activation, ActivationSign.Signed);

        Tensor y = q.call(tensor(new float[] { 1, -2, 3, -4 }));

        // s = 5/√7 ≈ 1.88982; x/s = [.529, -1.058, 1.587, -2.117] -> [1, -1, 2, -2] -> times s.
        double s = 5 / Math.Sqrt(7);
        Assert.Equal(ScalarType.Float32, q.Step.dtype);
        Assert.Equal(ScalarType.Float32, y.dtype);
        Close([s], q.Step, 1e-6);
        Close([s, -s, 2 * s, -2 * s], y, 1e-5);
    }
}
