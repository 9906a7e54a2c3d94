using QQuant.Quantizers;
using QQuant.Tests.Policy;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Rewriting;

/// <summary>Replacement reaches both what forward reads and TorchSharp's registry, in every kind of container.</summary>
public sealed class ContainerTests
{
    // 2-bit weights (levels -s, 0, s) make the quantized output visibly differ from the float one.
    private static readonly QuantPolicy TwoBitConvs = QuantPolicy.For<Conv2d>().Use<EightBitConv>(w: 2, a: 8);

    [Fact]
    public void PrivateReadonlyFieldsAreRewrittenAndTheRegistryKeepsItsOrder()
    {
        var model = new FieldNet();
        using Tensor x = torch.randn(1, 2, 5, 5);
        using Tensor before = model.call(x);

        model.Quantize(TwoBitConvs);

        Assert.Equal(["conv", "relu"], model.named_children().Select(c => c.name));
        var conv = Assert.IsType<QuantizedConv2d>(model.named_children().First().module);
        AssertForwardUses(model, x, y => nn.functional.relu(conv.call(y)), before);
    }

    [Fact]
    public void NestedSequentialSlotsAreRewritten()
    {
        var model = nn.Sequential(("outer", nn.Sequential(("inner", nn.Sequential(("conv", nn.Conv2d(2, 2, 3)), ("relu", nn.ReLU()))))));
        using Tensor x = torch.randn(1, 2, 5, 5);
        using Tensor before = model.call(x);

        QuantizationReport report = model.Quantize(TwoBitConvs);

        Assert.Equal(QuantDecision.Quantized, report.Row("outer.inner.conv").Decision);
        var conv = Assert.IsType<QuantizedConv2d>(model.named_modules().Single(m => m.name == "outer.inner.conv").module);
        AssertForwardUses(model, x, y => nn.functional.relu(conv.call(y)), before);
    }

    [Fact]
    public void ModuleListEntriesAreRewritten()
    {
        Conv2d head = nn.Conv2d(2, 2, 1);
        using (torch.no_grad())
        {
            // A positive bias keeps the ReLU from zeroing everything, which would make both outputs the last bias.
            head.bias!.fill_(2.0);
        }

        var model = new ListNet<nn.Module<Tensor, Tensor>>(head, nn.ReLU(), nn.Conv2d(2, 2, 1));
        using Tensor x = torch.randn(1, 2, 3, 3);
        using Tensor before = model.call(x);

        model.Quantize(TwoBitConvs);

        Assert.Equal(["blocks", "blocks.0", "blocks.1", "blocks.2"], model.named_modules().Take(4).Select(m => m.name));
        var first = Assert.IsType<QuantizedConv2d>(Module(model, "blocks.0"));
        var last = Assert.IsType<QuantizedConv2d>(Module(model, "blocks.2"));
        AssertForwardUses(model, x, y => last.call(nn.functional.relu(first.call(y))), before);
    }

    [Fact]
    public void ModuleDictEntriesAreRewritten()
    {
        var model = new DictNet();
        using Tensor x = torch.randn(1, 2, 3, 3);
        using Tensor before = model.call(x);

        model.Quantize(TwoBitConvs);

        var first = Assert.IsType<QuantizedConv2d>(Module(model, "stages.first"));
        var second = Assert.IsType<QuantizedConv2d>(Module(model, "stages.second"));
        AssertForwardUses(model, x, y => second.call(first.call(y)), before);
    }

    [Fact]
    public void ListFieldsRegisteredByHandAreRewritten()
    {
        var model = new PlainListNet();
        using Tensor x = torch.randn(1, 2, 3, 3);
        using Tensor before = model.call(x);

        model.Quantize(TwoBitConvs);

        var first = Assert.IsType<QuantizedConv2d>(Module(model, "layer0"));
        var second = Assert.IsType<QuantizedConv2d>(Module(model, "layer1"));
        AssertForwardUses(model, x, y => second.call(first.call(y)), before);
    }

    [Fact]
    public void SharedInstanceBecomesOneQuantizedInstanceInBothPlaces()
    {
        var model = new SharedNet();
        using Tensor x = torch.randn(1, 2, 3, 3);
        using Tensor before = model.call(x);

        QuantizationReport report = model.Quantize(TwoBitConvs);

        Assert.Equal([QuantDecision.Quantized, QuantDecision.Quantized], report.Layers.Select(l => l.Decision));
        var a = Assert.IsType<QuantizedConv2d>(Module(model, "a"));
        Assert.Same(a, Module(model, "b"));
        Assert.Equal(2, model.parameters().Count());
        AssertForwardUses(model, x, y => a.call(a.call(y)), before);
    }

    [Fact]
    public void SharedInstanceDecidedTwoWaysIsAnError()
    {
        var model = new SharedNet();

        var error = Assert.Throws<QuantizationException>(() => model.Quantize(QuantPolicy.For<Conv2d>().Use<EightBitConv>(4, 4).Except("b")));

        Assert.Contains("'a' and 'b' are one module instance", error.Message);
        Assert.IsType<Conv2d>(Module(model, "a"));
    }

    internal static nn.Module Module(nn.Module model, string name) => model.named_modules().Single(m => m.name == name).module;

    /// <summary>
    /// Initialises the quantized model's input quantizers with one training forward on <paramref name="x"/>, then
    /// compares its forward with <paramref name="expected"/> in evaluation mode, where their state stays fixed however
    /// often a layer is called.
    /// </summary>
    private static void AssertForwardUses(nn.Module<Tensor, Tensor> model, Tensor x, Func<Tensor, Tensor> expected, Tensor floatOutput)
    {
        model.train();
        using (torch.no_grad())
        {
            model.call(x).Dispose();
        }

        model.eval();
        using Tensor actual = model.call(x);
        using Tensor wanted = expected(x);
        Assert.True(actual.allclose(wanted, rtol: 0, atol: 0), "forward does not use the quantized layer");
        Assert.False(actual.allclose(floatOutput), "forward still computes the float result");
    }
}
