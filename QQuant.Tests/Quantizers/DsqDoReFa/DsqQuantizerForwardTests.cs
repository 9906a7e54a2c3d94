using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using static QQuant.Tests.Quantizers.DsqDoReFa.DsqTestSupport;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.DsqDoReFa;

public class DsqQuantizerForwardTests
{
    [Fact]
    public void Forward_at_2_bits_takes_the_nearest_level_and_clips_to_the_bounds()
    {
        using var scope = NewDisposeScope();
        // l = 0, u = 3, Δ = 1, levels 0,1,2,3: -2 and 7 clip; 0.4->0, 0.6->1, 1->1, 2.49->2, 3->3; midpoints 0.5, 1.5, 2.5 go up.
        using DsqQuantizer q = Make(2, 0, 3);
        Tensor x = Vector(-2, 0, 0.4, 0.5, 0.6, 1, 1.5, 2.49, 2.5, 3, 7);

        Close([0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 3], q.call(x), 0);
    }

    [Fact]
    public void Forward_at_4_bits_takes_the_nearest_level_of_l_plus_delta_j()
    {
        using var scope = NewDisposeScope();
        // l = -1, u = 2.75, Δ = 3.75/15 = 0.25: -5 clips to -1; -0.95 -> -1; -0.85 -> -0.75; 0.33 -> 0.25 (-1 + 5Δ);
        // 0.40 -> 0.5 (t = 5.6); 1.11 -> 1 (t = 8.44); -0.625 is the midpoint of [-0.75, -0.5] -> up to -0.5; 2.7 -> 2.75; 9 -> 2.75.
        using DsqQuantizer q = Make(4, -1, 2.75);
        Tensor x = Vector(-5, -0.95, -0.85, 0.33, 0.40, 1.11, -0.625, 2.7, 9);

        Close([-1, -1, -0.75, 0.25, 0.5, 1, -0.5, 2.75, 2.75], q.call(x), 1e-15);
    }

    [Fact]
    public void Forward_at_1_bit_has_the_two_levels_lower_and_upper()
    {
        using var scope = NewDisposeScope();
        // l = 0, u = 2, one interval (Δ = 2, midpoint 1): below 1 -> 0, from 1 on -> 2; -3 and 5 clip.
        using DsqQuantizer q = Make(1, 0, 2);
        Tensor x = Vector(-3, 0.2, 0.99, 1, 1.01, 1.9, 5);

        Close([0, 0, 0, 2, 2, 2, 2], q.call(x), 0);
    }

    [Fact]
    public void Evaluation_gives_the_same_levels_as_training()
    {
        using var scope = NewDisposeScope();
        // Same grid as the 2-bit case: l = 0, u = 3, Δ = 1.
        using DsqQuantizer q = Make(2, 0, 3);
        q.eval();

        Close([0, 1, 2, 3], q.call(Vector(-1, 0.7, 2.2, 4)), 0);
    }

    [Fact]
    public void Forward_of_a_matrix_keeps_its_shape_with_one_set_of_bounds()
    {
        using var scope = NewDisposeScope();
        // l = 0, u = 3, Δ = 1, one grid for every row: [[0.2, 2.8], [-1, 1.7]] -> [[0, 3], [0, 2]].
        using DsqQuantizer q = Make(2, 0, 3);
        Tensor x = Matrix([2, 2], 0.2, 2.8, -1, 1.7);

        Tensor y = q.call(x);

        Assert.Equal([2L, 2L], y.shape);
        Close([0, 3, 0, 2], y, 0);
    }

    [Fact]
    public void SoftQuantize_is_the_tanh_surrogate_and_its_sign_gives_the_forward()
    {
        using var scope = NewDisposeScope();
        // l = 0, u = 3, Δ = 1, α = 0.2, k = ln 9: x = 0.3 -> 0 + (1 + tanh(-0.2 ln 9)/0.8)/2; x = 2.9 -> 2 + (1 + tanh(0.4 ln 9)/0.8)/2.
        using DsqQuantizer q = Make(2, 0, 3);
        double k = Math.Log(9);
        double[] expected = [(1 + Math.Tanh(-0.2 * k) / 0.8) / 2, 2 + (1 + Math.Tanh(0.4 * k) / 0.8) / 2];

        Close(expected, q.SoftQuantize(Vector(0.3, 2.9)), 1e-14);
    }

    [Fact]
    public void SoftQuantize_reaches_the_bounds_exactly_at_the_interval_ends()
    {
        using var scope = NewDisposeScope();
        // tanh(∓ln(2/α − 1)/2)/(1 − α) = ∓1, so the surrogate passes through every level l + Δj (here 0,1,2,3) and clips.
        using DsqQuantizer q = Make(2, 0, 3);

        Close([0, 0, 1, 2, 3, 3], q.SoftQuantize(Vector(-4, 0, 1, 2, 3, 8)), 1e-12);
    }
}
