using QQuant.Vision;
using TorchSharp;
using static QQuant.Tests.Vision.Backbones.BackboneTestSupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Vision.Backbones;

/// <summary>
/// Torchvision state-dict keys land on the classifier key with the same shape, one to one, covering every backbone
/// tensor; for ResNet the loaded classifier computes torchvision's logits.
/// </summary>
public class TorchVisionLayoutTests
{
    private const int Classes = 10;

    public static TheoryData<int> ResNetDepths() => [18, 34, 50, 101, 152];

    [Theory]
    [MemberData(nameof(ResNetDepths))]
    public void Every_torchvision_resnet_key_maps_to_a_classifier_key_of_the_same_shape(int depth)
    {
        using var scope = NewDisposeScope();
        using nn.Module<Tensor, Tensor> torchVision = depth switch
        {
            18 => torchvision.models.resnet18(num_classes: Classes),
            34 => torchvision.models.resnet34(num_classes: Classes),
            50 => torchvision.models.resnet50(num_classes: Classes),
            101 => torchvision.models.resnet101(num_classes: Classes),
            _ => torchvision.models.resnet152(num_classes: Classes),
        };
        using var classifier = Classifier(new ResNet(new ResNetOptions { Depth = depth }));
        AssertOneToOne(torchVision, classifier, _ => false);
    }

    [Fact]
    public void A_resnet18_loaded_through_the_layout_gives_torchvisions_logits()
    {
        using var scope = NewDisposeScope();
        using var torchVision = torchvision.models.resnet18(num_classes: Classes);
        var backbone = new ResNet(new ResNetOptions { Depth = 18 });
        using var classifier = Classifier(backbone);
        Dictionary<string, Tensor> ours = classifier.state_dict();
        using (no_grad())
        {
            foreach ((string key, Tensor value) in torchVision.state_dict())
            {
                ours[backbone.MapTorchVisionKey(key)!].copy_(value);
            }
        }

        torchVision.eval();
        classifier.eval();
        Tensor images = Images(2, 3, 64);
        using var _ = no_grad();
        Tensor expected = torchVision.call(images);
        Tensor actual = classifier.call(images);
        Assert.Equal(new long[] { 2, Classes }, actual.shape);
        Assert.True(actual.allclose(expected, rtol: 1e-4, atol: 1e-5),
            $"max difference {(actual - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void Every_torchvision_mobilenet_v2_key_maps_to_a_classifier_key_of_the_same_shape()
    {
        using var scope = NewDisposeScope();
        using var torchVision = torchvision.models.mobilenet_v2(num_classes: Classes);
        using var classifier = Classifier(new MobileNetV2(new MobileNetV2Options()));
        AssertOneToOne(torchVision, classifier, _ => false);
    }

    [Fact]
    public void Torchvision_vgg11_bn_features_map_and_its_classifier_has_no_place_without_one()
    {
        using var scope = NewDisposeScope();
        using var torchVision = torchvision.models.vgg11_bn(num_classes: Classes);
        var backbone = new VGG(new VGGOptions { Depth = 11, WithNorm = true });
        using var classifier = Classifier(backbone);
        AssertOneToOne(torchVision, classifier, key => key.StartsWith("classifier.", StringComparison.Ordinal), headMapped: false);
        Assert.Equal("backbone.features.0.bn.running_mean", backbone.MapTorchVisionKey("features.1.running_mean"));
        // The eighth conv: torchvision index 25 (conv, bn, relu and one pool per stage), ours 11 (conv module, pool).
        Assert.Equal("backbone.features.11.conv.weight", backbone.MapTorchVisionKey("features.25.weight"));
    }

    [Fact]
    public void Torchvision_vgg11_maps_onto_a_vgg_with_its_own_classifier()
    {
        using var scope = NewDisposeScope();
        using var torchVision = torchvision.models.vgg11(num_classes: Classes);
        var backbone = new VGG(new VGGOptions { Depth = 11, NumClasses = Classes });
        using var classifier = Classifier(backbone);
        // The head then classifies the backbone's logits; torchvision has no counterpart for it.
        AssertOneToOne(torchVision, classifier, _ => false, headMapped: false);
        Assert.Equal("backbone.features.11.conv.bias", backbone.MapTorchVisionKey("features.18.bias"));
        Assert.Equal("backbone.classifier.6.weight", backbone.MapTorchVisionKey("classifier.6.weight"));
    }

    [Fact]
    public void Keys_of_a_stem_or_shortcut_the_backbone_lacks_map_to_null_and_avg_down_shifts_the_shortcut()
    {
        using var scope = NewDisposeScope();
        var v1d = new ResNetV1d(new ResNetOptions { Depth = 18 });
        Assert.Null(v1d.MapTorchVisionKey("conv1.weight"));
        Assert.Null(v1d.MapTorchVisionKey("bn1.running_var"));
        Assert.Equal("backbone.layer2.0.downsample.1.weight", v1d.MapTorchVisionKey("layer2.0.downsample.0.weight"));
        Assert.Equal("backbone.layer2.0.downsample.2.running_mean", v1d.MapTorchVisionKey("layer2.0.downsample.1.running_mean"));
        Assert.Equal("backbone.layer1.0.conv1.weight", v1d.MapTorchVisionKey("layer1.0.conv1.weight"));

        var twoStages = new ResNet(new ResNetOptions { Depth = 18, NumStages = 2, OutIndices = [1] });
        Assert.Null(twoStages.MapTorchVisionKey("layer3.0.conv1.weight"));
        Assert.Equal("head.fc.bias", twoStages.MapTorchVisionKey("fc.bias"));

        var cifar = new ResNetCifar(new ResNetOptions { Depth = 18 });
        Assert.Null(cifar.MapTorchVisionKey("conv1.weight"));
        Assert.Equal("backbone.bn1.weight", cifar.MapTorchVisionKey("bn1.weight"));
    }

    private static ImageClassifier Classifier(Backbone backbone) =>
        new(backbone, new GlobalAveragePooling(),
            new LinearClsHead(new LinearClsHeadOptions { NumClasses = Classes, InChannels = backbone.OutChannels }));

    private static Dictionary<string, Tensor> Keys(ImageClassifier classifier) =>
        classifier.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);

    private static void AssertOneToOne(nn.Module torchVision, ImageClassifier classifier, Func<string, bool> unplaced,
        bool headMapped = true)
    {
        var layout = Assert.IsAssignableFrom<ITorchVisionLayout>(classifier.Backbone);
        Dictionary<string, Tensor> ours = Keys(classifier);
        var mapped = new HashSet<string>();
        foreach ((string key, Tensor value) in torchVision.state_dict())
        {
            string? target = layout.MapTorchVisionKey(key);
            if (unplaced(key))
            {
                Assert.True(target is null, $"{key} should have no place but maps to {target}");
                continue;
            }

            Assert.True(target is not null, $"{key} maps to nothing");
            Assert.True(ours.TryGetValue(target!, out Tensor? tensor), $"{key} maps to {target}, which the classifier lacks");
            Assert.True(value.shape.SequenceEqual(tensor!.shape),
                $"{key} [{string.Join(", ", value.shape)}] -> {target} [{string.Join(", ", tensor.shape)}]");
            Assert.True(mapped.Add(target!), $"{target} is the target of two keys");
        }

        IEnumerable<string> expected = ours.Keys.Where(k =>
            k.StartsWith("backbone.", StringComparison.Ordinal) || (headMapped && k.StartsWith("head.fc.", StringComparison.Ordinal)));
        Assert.Equal(expected.Order(), mapped.Order());
    }
}
