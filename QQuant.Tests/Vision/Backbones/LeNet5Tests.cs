using QQuant.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Vision.Backbones.BackboneTestSupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Vision.Backbones;

/// <summary>mmcls's LeNet5 on 32x32 grey images.</summary>
public class LeNet5Tests
{
    [Fact]
    public void LeNet5_without_classifier_gives_120_features_at_32()
    {
        using var scope = NewDisposeScope();
        Backbone backbone = FromJson("""{ "type": "LeNet5" }""");
        Assert.Equal(1, backbone.InChannels);
        Assert.Equal(120, backbone.OutChannels);
        Assert.Equal(new long[] { 6, 1, 5, 5 }, Conv(backbone, "features.0").weight!.shape);
        Assert.Equal(new long[] { 120, 16, 5, 5 }, Conv(backbone, "features.6").weight!.shape);
        Assert.IsType<AvgPool2d>(Module(backbone, "features.2"));
        Assert.Empty(backbone.modules().OfType<Linear>());
        Assert.Equal(new long[] { 2, 120, 1, 1 }, ForwardBackward(backbone, Images(2, 1, 32)));
    }

    [Fact]
    public void LeNet5_with_classifier_gives_logits_even_for_one_image()
    {
        using var scope = NewDisposeScope();
        Backbone backbone = FromJson("""{ "type": "LeNet5", "num_classes": 10, "inChannels": 3 }""");
        Assert.Equal(10, backbone.OutChannels);
        Assert.Equal(new long[] { 84, 120 }, ((Linear)Module(backbone, "classifier.0")).weight!.shape);
        Assert.Equal(new long[] { 10, 84 }, ((Linear)Module(backbone, "classifier.2")).weight!.shape);
        Assert.Equal(new long[] { 1, 10 }, ForwardBackward(backbone, Images(1, 3, 32)));
        Assert.Single(backbone.ForwardFeatures(Images(1, 3, 32)));
    }

    [Fact]
    public void Wrong_options_give_errors_naming_the_key()
    {
        Assert.Contains("numClasses", ErrorOf("""{ "type": "LeNet5", "numClasses": 0 }"""));
        Assert.Contains("inChannels", ErrorOf("""{ "type": "LeNet5", "inChannels": -3 }"""));
    }
}
