using QQuant.Vision;
using TorchSharp;
using TorchSharp.Modules;
using VGG = QQuant.Vision.VGG;
using static QQuant.Tests.Vision.Backbones.BackboneTestSupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Vision.Backbones;

/// <summary>mmcls's VGG: flat <c>features.N</c> ConvModules and pools, optional norm and classifier.</summary>
public class VGGTests
{
    [Fact]
    public void VGG11_with_norm_from_config_has_mmcls_names_and_trains_at_64()
    {
        using var scope = NewDisposeScope();
        Backbone backbone = FromJson("""{ "type": "VGG", "depth": 11, "withNorm": true }""");
        Assert.Equal(512, backbone.OutChannels);
        Assert.Equal(8, backbone.modules().OfType<Conv2d>().Count());
        Assert.Empty(backbone.modules().OfType<Linear>());
        // Stage 0: features.0 conv module, features.1 pool; stage 1: features.2, features.3; stage 2: 4, 5 and pool 6.
        Assert.Equal(new long[] { 64, 3, 3, 3 }, Conv(backbone, "features.0.conv").weight!.shape);
        Assert.NotNull(Conv(backbone, "features.0.conv").bias);
        Norm(backbone, "features.0.bn");
        Assert.IsType<ReLU>(Module(backbone, "features.0.activate"));
        Assert.IsType<MaxPool2d>(Module(backbone, "features.1"));
        Assert.Equal(new long[] { 256, 256, 3, 3 }, Conv(backbone, "features.5.conv").weight!.shape);
        Assert.IsType<MaxPool2d>(Module(backbone, "features.6"));
        Assert.Equal(new long[] { 512, 512, 3, 3 }, Conv(backbone, "features.11.conv").weight!.shape);
        Assert.IsType<MaxPool2d>(Module(backbone, "features.12"));
        Assert.Equal(new long[] { 2, 512, 2, 2 }, ForwardBackward(backbone, Images(2, 3, 64)));
    }

    [Theory]
    [InlineData(13, 10)]
    [InlineData(16, 13)]
    [InlineData(19, 16)]
    public void Depth_sets_the_conv_count_without_norm(int depth, int convs)
    {
        using var scope = NewDisposeScope();
        var vgg = new VGG(new VGGOptions { Depth = depth, NumStages = 5 });
        Assert.Equal(convs, vgg.modules().OfType<Conv2d>().Count());
        Assert.Empty(vgg.modules().OfType<BatchNorm2d>());
        Assert.Equal(convs + 5, vgg.named_modules().Count(m => m.name.StartsWith("features.", StringComparison.Ordinal) && m.name.Count(c => c == '.') == 1));
    }

    [Fact]
    public void OutIndices_and_the_classifier_come_back_in_mmcls_order()
    {
        using var scope = NewDisposeScope();
        Backbone backbone = FromJson("""{ "type": "VGG", "depth": 11, "numClasses": 10, "numStages": 3, "outIndices": [1, 0], "inChannels": 1 }""");
        Assert.Equal(10, backbone.OutChannels);
        Assert.Equal(new long[] { 4096, 256 * 7 * 7 }, ((Linear)Module(backbone, "classifier.0")).weight!.shape);
        Assert.Equal(new long[] { 4096, 4096 }, ((Linear)Module(backbone, "classifier.3")).weight!.shape);
        Assert.Equal(new long[] { 10, 4096 }, ((Linear)Module(backbone, "classifier.6")).weight!.shape);
        backbone.eval();
        using var _ = no_grad();
        IReadOnlyList<Tensor> outputs = backbone.ForwardFeatures(Images(1, 1, 32));
        Assert.Equal(3, outputs.Count);
        Assert.Equal(new long[] { 1, 128, 8, 8 }, outputs[0].shape);
        Assert.Equal(new long[] { 1, 64, 16, 16 }, outputs[1].shape);
        Assert.Equal(new long[] { 1, 10 }, outputs[2].shape);
        Assert.Equal(new long[] { 1, 10 }, backbone.call(Images(1, 1, 32)).shape);
    }

    [Fact]
    public void FrozenStages_and_normEval_hold_through_train()
    {
        using var scope = NewDisposeScope();
        Backbone backbone = FromJson("""{ "type": "VGG", "depth": 11, "withNorm": true, "frozenStages": 2, "numStages": 3 }""");
        backbone.train();
        Assert.False(Conv(backbone, "features.2.conv").weight!.requires_grad);
        Assert.False(Norm(backbone, "features.2.bn").training);
        Assert.True(Conv(backbone, "features.4.conv").weight!.requires_grad);
        Assert.True(Norm(backbone, "features.4.bn").training);

        Backbone normEval = FromJson("""{ "type": "VGG", "depth": 11, "withNorm": true, "normEval": true, "numStages": 2 }""");
        normEval.train();
        Assert.All(normEval.modules().OfType<BatchNorm2d>(), bn => Assert.False(bn.training));
    }

    [Theory]
    [InlineData("""{ "type": "VGG", "depth": 12 }""", "depth", "11, 13, 16, 19")]
    [InlineData("""{ "type": "VGG", "depth": 11, "outIndices": [5] }""", "outIndices", "0..4")]
    [InlineData("""{ "type": "VGG", "depth": 11, "numClasses": 0 }""", "numClasses", "-1")]
    [InlineData("""{ "type": "VGG", "depth": 11, "numStages": 6 }""", "numStages", "1..5")]
    public void Wrong_options_give_errors_naming_the_key(string json, string key, string hint)
    {
        string message = ErrorOf(json);
        Assert.Contains(key, message);
        Assert.Contains(hint, message);
    }
}
