using QQuant.Analysis;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Tests.Analysis;

public sealed class TensorComparisonTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void Matches_the_hand_computed_values_of_a_one_element_change()
    {
        using Tensor a = tensor(new double[] { 1, 2, 3, 4 });
        using Tensor b = tensor(new double[] { 1, 2, 3, 5 });

        TensorComparison c = TensorComparison.Of(a, b);

        // a·b = 34, ‖a‖² = 30, ‖b‖² = 39.
        Assert.Equal(34 / Math.Sqrt(30 * 39), c.Cosine, Tolerance);
        // Deviations (−1.5, −0.5, 0.5, 1.5) and (−1.75, −0.75, 0.25, 2.25): covariance 6.5/4, variances 1.25 and 2.1875.
        Assert.Equal(6.5 / 4 / Math.Sqrt(1.25 * 2.1875), c.Pearson, Tolerance);
        Assert.Equal(0.25, c.Mse, Tolerance);
        Assert.Equal(10 * Math.Log10(30), c.SqnrDb, Tolerance);
        // Common range [1, 5] in 2000 bins: 1, 2, 3 share bins 0, 500, 1000; a's 4 is alone in bin 1500 and b's 5 in
        // bin 1999, each against an empty bin of the other (1e-7).
        double expectedKl = 0.25 * Math.Log2(0.25 / 1e-7) + 1e-7 * Math.Log2(1e-7 / 0.25);
        Assert.Equal(expectedKl, c.KlBits, 1e-9);
    }

    [Fact]
    public void Kl_divergence_and_sqnr_of_two_level_tensors_match_the_formulas()
    {
        using Tensor a = tensor(new double[] { 0, 0, 1, 1 });
        using Tensor b = tensor(new double[] { 0, 1, 1, 1 });

        TensorComparison c = TensorComparison.Of(a, b);

        // p = (1/2 in bin 0, 1/2 in bin 1999), q = (1/4, 3/4); every other bin is 1e-7 in both and adds 0.
        Assert.Equal(0.5 * Math.Log2(0.5 / 0.25) + 0.5 * Math.Log2(0.5 / 0.75), c.KlBits, Tolerance);
        Assert.Equal(10 * Math.Log10(2.0 / 1.0), c.SqnrDb, Tolerance);
        Assert.Equal(0.25, c.Mse, Tolerance);
    }

    [Fact]
    public void Kl_divergence_is_not_symmetric()
    {
        using Tensor a = tensor(new double[] { 0, 0, 1, 1 });
        using Tensor b = tensor(new double[] { 0, 1, 1, 1 });

        double forward = TensorComparison.Of(a, b).KlBits;
        double backward = TensorComparison.Of(b, a).KlBits;

        Assert.Equal(0.25 * Math.Log2(0.25 / 0.5) + 0.75 * Math.Log2(0.75 / 0.5), backward, Tolerance);
        Assert.NotEqual(forward, backward, 1e-6);
    }

    [Fact]
    public void Equal_tensors_are_perfectly_similar()
    {
        using Tensor a = tensor(new float[] { -0.5f, 0.25f, 3f, -2f, 0f, 1f });

        TensorComparison c = TensorComparison.Of(a, a.clone());

        Assert.Equal(1, c.Cosine, Tolerance);
        Assert.Equal(1, c.Pearson, Tolerance);
        Assert.Equal(0, c.KlBits, Tolerance);
        Assert.Equal(0, c.Mse);
        Assert.Equal(double.PositiveInfinity, c.SqnrDb);
    }

    [Fact]
    public void A_negated_tensor_is_perfectly_anti_correlated()
    {
        using Tensor a = tensor(new double[] { 1, -2, 4, 0.5 });

        TensorComparison c = TensorComparison.Of(a, -a);

        Assert.Equal(-1, c.Cosine, Tolerance);
        Assert.Equal(-1, c.Pearson, Tolerance);
        // ‖a − (−a)‖² = 4‖a‖², so the error has four times the signal's energy.
        Assert.Equal(10 * Math.Log10(0.25), c.SqnrDb, Tolerance);
    }

    [Fact]
    public void Undefined_correlations_are_nan_rather_than_noise()
    {
        using Tensor constant = full(5, 0.1, float64);
        using Tensor zeros = torch.zeros(5, float64);
        using Tensor x = tensor(new double[] { 1, 2, 3, 4, 5 });

        Assert.True(double.IsNaN(TensorComparison.Of(x, constant).Pearson));
        Assert.True(double.IsNaN(TensorComparison.Of(x, zeros).Cosine));
        Assert.Equal(0, TensorComparison.Of(constant, constant).KlBits);
    }

    [Fact]
    public void Float32_inputs_are_compared_in_float64_and_shape_does_not_matter()
    {
        using Tensor a64 = tensor(new double[] { 1, 2, 3, 4 });
        using Tensor b64 = tensor(new double[] { 1, 2, 3, 5 });
        using Tensor a32 = a64.to(float32).reshape(2, 2);
        using Tensor b32 = b64.to(float32).requires_grad_(true);

        Assert.Equal(TensorComparison.Of(a64, b64), TensorComparison.Of(a32, b32));
    }

    [Fact]
    public void Tensors_of_different_sizes_are_rejected_with_both_sizes()
    {
        using Tensor a = torch.ones(4);
        using Tensor b = torch.ones(5);

        var e = Assert.Throws<ArgumentException>(() => TensorComparison.Of(a, b));

        Assert.Contains("4 and 5", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => TensorComparison.Of(torch.empty(0), torch.empty(0)));
    }
}
