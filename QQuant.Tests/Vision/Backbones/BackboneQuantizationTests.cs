using QQuant.Quantizers;
using QQuant.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Vision.Backbones.BackboneTestSupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Vision.Backbones;

/// <summary>
/// Every backbone inside an ImageClassifier quantizes with the reference's policy: all convs and linears become LSQ
/// layers except the excepted first conv, the report speaks mmcls's names, and the model still runs.
/// </summary>
public class BackboneQuantizationTests
{
    public static TheoryData<string, string, int, int, int, string> Backbones() => new()
    {
        { """{ "type": "ResNet", "depth": 18 }""", "backbone.conv1", 3, 20, 1, "backbone.layer1.0.conv1" },
        { """{ "type": "ResNetV1d", "depth": 18, "numStages": 2, "outIndices": [1] }""", "backbone.stem.0.conv", 3, 12, 1, "backbone.layer2.0.downsample.1" },
        { """{ "type": "ResNet_CIFAR", "depth": 18 }""", "backbone.conv1", 3, 20, 1, "backbone.layer4.1.conv2" },
        { """{ "type": "CifarResNet", "depth": 20 }""", "backbone.conv1", 3, 21, 1, "backbone.layer3.0.downsample.0" },
        { """{ "type": "MobileNetV2" }""", "backbone.conv1.conv", 3, 52, 1, "backbone.layer2.0.conv.1.conv" },
        { """{ "type": "VGG", "depth": 11, "withNorm": true }""", "backbone.features.0.conv", 3, 8, 1, "backbone.features.11.conv" },
        { """{ "type": "LeNet5", "numClasses": 10 }""", "backbone.features.0", 1, 3, 3, "backbone.classifier.2" },
    };

    [Theory]
    [MemberData(nameof(Backbones))]
    public void Quantize_replaces_every_conv_and_linear_but_the_excepted_one(
        string json, string firstConv, int channels, int convs, int linears, string inner)
    {
        using var scope = NewDisposeScope();
        Backbone backbone = FromJson(json);
        var classifier = new ImageClassifier(backbone, new GlobalAveragePooling(),
            new LinearClsHead(new LinearClsHeadOptions { NumClasses = 5, InChannels = backbone.OutChannels }));
        var floatLayers = classifier.named_modules().Where(m => m.module is Conv2d or Linear).Select(m => m.name).ToList();
        Assert.Equal(convs, floatLayers.Count(n => Module(classifier, n) is Conv2d));
        Assert.Equal(linears, floatLayers.Count(n => Module(classifier, n) is Linear));

        QuantizationReport report = classifier.Quantize(QuantPolicy
            .For<Conv2d>().Use<LSQConv>(w: 4, a: 4)
            .For<Linear>().Use<LSQLinear>(w: 8, a: 8)
            .Except(firstConv));

        Dictionary<string, LayerDecision> rows = report.Layers.ToDictionary(l => l.Name);
        Assert.Equal(QuantDecision.Excepted, rows[firstConv].Decision);
        Assert.Equal(convs + linears - 1, rows.Values.Count(r => r.Decision == QuantDecision.Quantized));
        Assert.All(floatLayers.Where(n => n != firstConv), n => Assert.Equal(QuantDecision.Quantized, rows[n].Decision));
        Assert.Equal(QuantDecision.Quantized, rows[inner].Decision);
        Assert.Equal(nameof(LSQLinear), rows["head.fc"].NewType);

        List<nn.Module> left = classifier.modules().Distinct().Where(m => m is Conv2d or Linear).ToList();
        Assert.Single(left);
        Assert.Same(Module(classifier, firstConv), left[0]);
        Assert.Equal(rows[inner].NewType, Module(classifier, inner).GetName());
        Assert.True(Module(classifier, inner) is QuantizedConv2d or QuantizedLinear);

        classifier.train();
        Tensor logits = classifier.call(Images(2, channels, 32));
        Assert.Equal(new long[] { 2, 5 }, logits.shape);
        Assert.True(logits.isfinite().all().item<bool>());
    }
}
