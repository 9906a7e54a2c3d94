using QQuant.Quantizers;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Lsq;

/// <summary>What N counts in LSQ's and LSQ+'s step-gradient scale <c>1/√(N·Qp)</c>: one sample's features, or the batch tensor.</summary>
public class LsqGradientScaleCountTests
{
    // A [4, 2] input of 1.4 with step 1 on the unsigned 2-bit grid (Qp = 3): each element rounds to 1 and gives the step
    // round(x/s) - x/s = -0.4, so sum(q) gives the step -3.2 · g.
    [Theory]
    [InlineData(GradientScaleCount.Sample, 2)]
    [InlineData(GradientScaleCount.Tensor, 8)]
    public void Lsq_scales_the_step_gradient_by_one_over_root_N_Qp(GradientScaleCount count, int n)
    {
        using var q = new LsqQuantizer(2, TensorRole.Activation, ActivationSign.Unsigned, count: count);
        StepOne(q, q.Step);

        q.call(full(4, 2, 1.4, dtype: float32)).sum().backward();

        Close([-3.2 / Math.Sqrt(n * 3)], q.Step.grad!, 1e-6);
    }

    [Theory]
    [InlineData(GradientScaleCount.Sample, 2)]
    [InlineData(GradientScaleCount.Tensor, 8)]
    public void Lsq_plus_scales_the_step_gradient_the_same_way(GradientScaleCount count, int n)
    {
        using var q = new LsqPlusQuantizer(2, TensorRole.Activation, ActivationSign.Unsigned, learnOffset: false, count: count);
        StepOne(q, q.Step);

        q.call(full(4, 2, 1.4, dtype: float32)).sum().backward();

        Close([-3.2 / Math.Sqrt(n * 3)], q.Step.grad!, 1e-6);
    }

    [Fact]
    public void The_scheme_passes_the_option_to_input_quantizers()
    {
        var settings = new QuantLayerSettings(4, 4, new LsqOptions { GradientScaleCount = GradientScaleCount.Tensor });

        var input = Assert.IsType<LsqQuantizer>(QQuant.Quantizers.Lsq.Instance.CreateInputQuantizer(settings));

        Assert.Equal(GradientScaleCount.Tensor, input.GradientCount);
    }

    private static void StepOne(CalibratedQuantizer q, TorchSharp.Modules.Parameter step)
    {
        q.InitializeFrom(ones(8));
        using var noGrad = no_grad();
        step.fill_(1);
        q.train();
    }
}
