using QQuant.Vision;
using TorchSharp;
using TorchSharp.Modules;
using MobileNetV2 = QQuant.Vision.MobileNetV2;
using static QQuant.Tests.Vision.Backbones.BackboneTestSupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Vision.Backbones;

/// <summary>mmcls's MobileNetV2: ConvModule names, widen factor rounding, out indices and freezing.</summary>
public class MobileNetV2Tests
{
    [Fact]
    public void MobileNetV2_from_config_has_mmcls_names_and_trains_at_64()
    {
        using var scope = NewDisposeScope();
        Backbone backbone = FromJson("""{ "type": "MobileNetV2" }""");
        Assert.Equal(1280, backbone.OutChannels);
        Assert.Equal(52, backbone.modules().OfType<Conv2d>().Count());
        Assert.Equal(new long[] { 32, 3, 3, 3 }, Conv(backbone, "conv1.conv").weight!.shape);
        Assert.Equal(new long[] { 2, 2 }, Conv(backbone, "conv1.conv").stride);
        Assert.Null(Conv(backbone, "conv1.conv").bias);
        Norm(backbone, "conv1.bn");
        Assert.IsType<ReLU6>(Module(backbone, "conv1.activate"));
        // layer1 has expand ratio 1: depthwise conv then projection, no expansion conv.
        Assert.Equal(new long[] { 32, 1, 3, 3 }, Conv(backbone, "layer1.0.conv.0.conv").weight!.shape);
        Assert.Equal(new long[] { 16, 32, 1, 1 }, Conv(backbone, "layer1.0.conv.1.conv").weight!.shape);
        Assert.DoesNotContain(backbone.named_modules(), m => m.name == "layer1.0.conv.1.activate");
        // layer2.0: expand 16 -> 96, depthwise stride 2, project to 24.
        Assert.Equal(new long[] { 96, 16, 1, 1 }, Conv(backbone, "layer2.0.conv.0.conv").weight!.shape);
        Assert.Equal(new long[] { 2, 2 }, Conv(backbone, "layer2.0.conv.1.conv").stride);
        Assert.Equal(new long[] { 24, 96, 1, 1 }, Conv(backbone, "layer2.0.conv.2.conv").weight!.shape);
        Norm(backbone, "layer2.0.conv.2.bn");
        Assert.Equal(new long[] { 1280, 320, 1, 1 }, Conv(backbone, "conv2.conv").weight!.shape);
        Assert.Equal(new long[] { 2, 1280, 2, 2 }, ForwardBackward(backbone, Images(2, 3, 64)));
    }

    [Fact]
    public void OutIndices_pick_stages_and_the_last_conv()
    {
        using var scope = NewDisposeScope();
        var model = new MobileNetV2(new MobileNetV2Options { OutIndices = [1, 6, 7], InChannels = 1 });
        model.eval();
        using var _ = no_grad();
        IReadOnlyList<Tensor> outputs = model.ForwardFeatures(Images(1, 1, 64));
        Assert.Equal(new long[] { 1, 24, 16, 16 }, outputs[0].shape);
        Assert.Equal(new long[] { 1, 320, 2, 2 }, outputs[1].shape);
        Assert.Equal(new long[] { 1, 1280, 2, 2 }, outputs[2].shape);
    }

    [Theory]
    [InlineData(0.5, 16, 8, 1280)]
    [InlineData(0.35, 16, 8, 1280)]
    [InlineData(1.5, 48, 24, 1920)]
    public void WidenFactor_scales_channels_to_multiples_of_8(double widen, int stem, int first, int last)
    {
        // make_divisible: 32 * 0.35 = 11.2 -> 8 is below 90 % of 11.2, so 16; 16 * 0.35 = 5.6 -> 8; 1280 only grows.
        using var scope = NewDisposeScope();
        var model = new MobileNetV2(new MobileNetV2Options { WidenFactor = widen, OutIndices = [0] });
        Assert.Equal(stem, Conv(model, "conv1.conv").weight!.shape[0]);
        Assert.Equal(first, model.OutChannels);
        Assert.Equal(last, Conv(model, "conv2.conv").weight!.shape[0]);
    }

    [Fact]
    public void FrozenStages_and_normEval_hold_through_train()
    {
        using var scope = NewDisposeScope();
        Backbone frozen = FromJson("""{ "type": "MobileNetV2", "frozen_stages": 2, "outIndices": [2] }""");
        frozen.train();
        Assert.False(Conv(frozen, "conv1.conv").weight!.requires_grad);
        Assert.False(Conv(frozen, "layer2.1.conv.2.conv").weight!.requires_grad);
        Assert.False(Norm(frozen, "layer2.1.conv.2.bn").training);
        Assert.True(Conv(frozen, "layer3.0.conv.0.conv").weight!.requires_grad);
        Assert.True(Norm(frozen, "layer3.0.conv.0.bn").training);

        Backbone normEval = FromJson("""{ "type": "MobileNetV2", "normEval": true, "outIndices": [0] }""");
        normEval.train();
        Assert.All(normEval.modules().OfType<BatchNorm2d>(), bn => Assert.False(bn.training));
        Assert.True(Conv(normEval, "conv1.conv").weight!.requires_grad);
    }

    [Theory]
    [InlineData("""{ "type": "MobileNetV2", "widenFactor": 0 }""", "widenFactor", "positive")]
    [InlineData("""{ "type": "MobileNetV2", "widen_factor": -1 }""", "widenFactor", "positive")]
    [InlineData("""{ "type": "MobileNetV2", "outIndices": [8] }""", "outIndices", "7 is conv2")]
    [InlineData("""{ "type": "MobileNetV2", "frozenStages": 8 }""", "frozenStages", "-1")]
    public void Wrong_options_give_errors_naming_the_key(string json, string key, string hint)
    {
        string message = ErrorOf(json);
        Assert.Contains(key, message);
        Assert.Contains(hint, message);
    }
}
