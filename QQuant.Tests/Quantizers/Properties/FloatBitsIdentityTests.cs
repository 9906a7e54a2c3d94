using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Quantizers.Properties.PropertySupport;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Properties;

/// <summary>32 bits for weight and input leave every layer computing exactly what the float layer computes.</summary>
public class FloatBitsIdentityTests
{
    public static TheoryData<string> LayerNames() => [.. Layers.Keys];

    public static TheoryData<string> FamilyNames() => [.. Families];

    [Theory]
    [MemberData(nameof(LayerNames))]
    public void A_layer_built_at_32_bits_computes_exactly_the_float_layers_output(string layer)
    {
        using var scope = NewDisposeScope();
        QuantLayerDescriptor descriptor = Layers[layer];
        manual_seed(11);
        nn.Module<Tensor, Tensor> source = IsConv(layer) ? nn.Conv2d(3, 5, 3, padding: 1) : nn.Linear(10, 4);
        using var generator = new Generator(12);
        Tensor x = IsConv(layer) ? randn([2, 3, 6, 6], generator: generator) : randn([3, 10], generator: generator);

        using nn.Module<Tensor, Tensor> quantized = descriptor.Create(source, new QuantLayerSettings(32, 32, descriptor.CreateOptions()));

        var asLayer = Assert.IsAssignableFrom<IQuantizedLayer>(quantized);
        Assert.IsType<IdentityQuantizer>(asLayer.WeightQuantizer);
        Assert.IsType<IdentityQuantizer>(asLayer.InputQuantizer);
        foreach (bool training in new[] { true, false })
        {
            quantized.train(training);
            source.train(training);
            Identical(source.call(x), quantized.call(x));
        }
    }

    [Theory]
    [MemberData(nameof(FamilyNames))]
    public void Use_at_32_bits_keeps_the_model_computing_the_float_output(string family)
    {
        using var scope = NewDisposeScope();
        Sequential model = SmallModel(21);
        Sequential reference = SmallModel(21);
        Tensor x = Images(22);

        QuantizationReport report = model.Quantize(Pair(family, 32, 32));

        Assert.Equal(QuantDecision.KeptFloat, report.Layers.Single(l => l.Name == "conv").Decision);
        Assert.Equal(QuantDecision.KeptFloat, report.Layers.Single(l => l.Name == "fc").Decision);
        Assert.IsType<Conv2d>(At(model, "conv"));
        Assert.IsType<Linear>(At(model, "fc"));
        foreach (bool training in new[] { true, false })
        {
            model.train(training);
            reference.train(training);
            Identical(reference.call(x), model.call(x));
        }
    }
}
