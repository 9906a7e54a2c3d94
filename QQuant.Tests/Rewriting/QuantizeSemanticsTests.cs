using QQuant.Quantizers;
using QQuant.Tests.Policy;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Rewriting;

/// <summary>What a rewrite keeps: weights (copied), names, dtype, requires_grad, training mode; and what it adds.</summary>
public sealed class QuantizeSemanticsTests
{
    private static readonly QuantPolicy EightBit = QuantPolicy.For<Conv2d>().Use<EightBitConv>(8, 8).For<Linear>().Use<EightBitLinear>(8, 8);

    [Fact]
    public void PlanChangesNothing()
    {
        Sequential model = TestModels.Classifier();

        QuantizationReport plan = model.PlanQuantization(EightBit);

        Assert.False(plan.Applied);
        Assert.Equal(5, plan.Count(QuantDecision.Quantized));
        Assert.Equal(typeof(Conv2d), model.TypeAt("neck.conv"));
    }

    [Fact]
    public void QuantizeReturnsThePlanMarkedApplied()
    {
        Sequential model = TestModels.Classifier();
        QuantizationReport plan = model.PlanQuantization(EightBit);

        QuantizationReport done = model.Quantize(EightBit);

        Assert.True(done.Applied);
        Assert.Equal(plan.Layers, done.Layers);
        Assert.Equal(typeof(QuantizedConv2d), model.TypeAt("neck.conv"));
        Assert.Equal(typeof(QuantizedLinear), model.TypeAt("head.fc"));
        Assert.Equal(["EightBitConv", "EightBitLinear"], done.Layers.Where(l => l.Decision == QuantDecision.Quantized).Select(l => l.NewType).Distinct());
    }

    [Fact]
    public void QuantizingTwiceChangesNothing()
    {
        Sequential model = TestModels.Classifier();
        model.Quantize(QuantPolicy.For<Conv2d>().Use<EightBitConv>(8, 8).For<Linear>().Use<EightBitLinear>(8, 8)
            .Override("backbone.conv1", r => r.Use<EightBitConv>(8, 8, o => o.QuantizeInput = false)));
        nn.Module[] first = model.modules().ToArray();

        QuantizationReport again = model.Quantize(QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4)
            .Override("backbone.conv1", r => r.Use<EightBitConv>(2, 2)));

        Assert.Equal(first, model.modules().ToArray());
        Assert.Equal(5, again.Count(QuantDecision.AlreadyQuantized));
        Assert.Equal(0, again.Count(QuantDecision.Quantized));
        LayerDecision conv1 = again.Row("backbone.conv1");
        Assert.Equal(("EightBitConv", 8, false), (conv1.NewType, conv1.WeightBits, conv1.InputQuantized));
    }

    [Fact]
    public void WeightsAreCopiedWithTheirNamesDtypeAndRequiresGrad()
    {
        Sequential model = TestModels.Classifier();
        model.to(float64);
        var floatConv = (Conv2d)ContainerTests.Module(model, "neck.conv");
        floatConv.weight.requires_grad = false;
        using Tensor floatWeight = floatConv.weight.detach().clone();

        model.Quantize(EightBit);

        var conv = (QuantizedConv2d)ContainerTests.Module(model, "neck.conv");
        Assert.Equal(["weight", "bias"], conv.named_parameters(recurse: false).Select(p => p.name));
        Assert.Equal(float64, conv.weight.dtype);
        Assert.False(conv.weight.requires_grad);
        Assert.True(conv.bias!.requires_grad);
        Assert.True(conv.weight.equal(floatWeight).all().item<bool>());
        using (torch.no_grad())
        {
            floatConv.weight.add_(1.0);
        }

        Assert.True(conv.weight.equal(floatWeight).all().item<bool>(), "the quantized layer aliases the float weight");
    }

    [Fact]
    public void TrainingModeIsCopied()
    {
        Sequential model = TestModels.Classifier();
        model.eval();

        model.Quantize(EightBit);

        Assert.All(model.modules().OfType<IQuantizedLayer>(), l => Assert.False(((nn.Module)l).training));
    }

    [Fact]
    public void FloatCheckpointLoadsIntoTheQuantizedModelByName()
    {
        Sequential trained = TestModels.Classifier();
        Sequential model = TestModels.Classifier();
        model.Quantize(EightBit);

        var (missing, unexpected) = model.load_state_dict(trained.state_dict(), strict: false);

        // Every float key loads; only the input quantizers' running maxima (which a float model has not) are missing.
        string[] quantizerState = model.state_dict().Keys.Where(k => k.Contains(".input_quantizer.", StringComparison.Ordinal)).ToArray();
        Assert.Empty(unexpected);
        Assert.Equal(quantizerState.Order(), missing.Order());
        Assert.Equal(5 * 3, quantizerState.Length);
        Assert.Equal(trained.state_dict().Keys.Concat(quantizerState).Order(), model.state_dict().Keys.Order());
        var conv = (QuantizedConv2d)ContainerTests.Module(model, "backbone.conv1");
        var source = (Conv2d)ContainerTests.Module(trained, "backbone.conv1");
        Assert.True(conv.weight.equal(source.weight).all().item<bool>());
    }

    [Fact]
    public void GradientsReachTheQuantizedLayersParameters()
    {
        Sequential model = TestModels.Classifier();
        model.Quantize(EightBit);
        using Tensor x = torch.randn(2, 3, 6, 6);

        using Tensor loss = model.call(x).square().sum();
        loss.backward();

        Assert.All(
            model.modules().OfType<QuantizedLayer>(),
            l => Assert.True(l.weight.grad is { } g && g.abs().sum().item<float>() > 0, $"{l.GetName()} got no weight gradient"));
    }

    [Fact]
    public void QuantizedLayersMoveWithTheModel()
    {
        Sequential model = TestModels.Classifier();
        model.Quantize(EightBit);

        model.to(float64);

        var conv = (QuantizedConv2d)ContainerTests.Module(model, "neck.conv");
        Assert.Equal(float64, conv.weight.dtype);
        using Tensor y = model.call(torch.randn(1, 3, 4, 4, dtype: float64));
        Assert.Equal(float64, y.dtype);
    }

    [Fact]
    public void QuantizesOnTheGpuWhenOneIsPresent()
    {
        Assert.SkipUnless(torch.cuda.is_available(), "CUDA is not available");
        Sequential model = TestModels.Classifier();
        model.to(CUDA);

        model.Quantize(EightBit);

        Assert.All(model.parameters(), p => Assert.Equal(DeviceType.CUDA, p.device_type));
        using Tensor y = model.call(torch.randn(1, 3, 4, 4, device: CUDA));
        Assert.Equal(DeviceType.CUDA, y.device_type);
        model.cpu();
        Assert.All(model.parameters(), p => Assert.Equal(DeviceType.CPU, p.device_type));
    }
}
