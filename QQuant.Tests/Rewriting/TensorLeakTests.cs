using QQuant.Quantizers;
using QQuant.Tests.Policy;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Rewriting;

/// <summary>Training steps of a quantized model inside a dispose scope leave no tensor alive behind them.</summary>
public sealed class TensorLeakTests
{
    [Fact]
    public void ForwardAndBackwardLeakNoTensorsPerStep()
    {
        Sequential model = TestModels.Classifier();
        model.Quantize(QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4).For<Linear>().Use<EightBitLinear>(8, 8, o => o.PerChannelWeights = true));
        using Tensor x = torch.randn(2, 3, 6, 6);
        Step(model, x);
        model.zero_grad();

        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 50; i++)
        {
            Step(model, x);
            model.zero_grad();
        }

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    private static void Step(nn.Module<Tensor, Tensor> model, Tensor x)
    {
        using var scope = NewDisposeScope();
        model.call(x).square().mean().backward();
    }
}
