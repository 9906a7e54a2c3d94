using QQuant.Vision;
using TorchSharp;
using TorchSharp.Modules;
using ResNet = QQuant.Vision.ResNet;
using static QQuant.Tests.Vision.Backbones.BackboneTestSupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Vision.Backbones;

/// <summary>mmcls's ResNet, ResNetV1d and ResNet_CIFAR: names, shapes, options and their errors.</summary>
public class ResNetTests
{
    [Fact]
    public void ResNet18_from_config_runs_forward_and_backward_at_224_with_mmcls_names()
    {
        using var scope = NewDisposeScope();
        Backbone backbone = FromJson("""{ "type": "ResNet", "depth": 18 }""");
        var resnet = Assert.IsType<ResNet>(backbone);
        Assert.Equal(512, resnet.OutChannels);
        Assert.Equal([64, 128, 256, 512], resnet.StageChannels);
        Assert.Equal(new long[] { 1, 512, 7, 7 }, ForwardBackward(backbone, Images(1, 3, 224)));

        string[] names = backbone.named_modules().Select(m => m.name).ToArray();
        foreach (string name in new[] { "conv1", "bn1", "maxpool", "layer1.0.conv1", "layer1.0.bn2", "layer1.1.conv2",
                     "layer2.0.downsample.0", "layer2.0.downsample.1", "layer4.1.conv2" })
        {
            Assert.Contains(name, names);
        }

        Assert.DoesNotContain("layer1.0.downsample.0", names);
        Assert.Equal(20, backbone.modules().OfType<Conv2d>().Count());
        Assert.Equal(new long[] { 2, 2 }, Conv(backbone, "conv1").stride);
        Assert.Equal(new long[] { 64, 3, 7, 7 }, Conv(backbone, "conv1").weight!.shape);
    }

    [Theory]
    [InlineData(34, 36, 512)]
    [InlineData(50, 53, 2048)]
    public void Deeper_resnets_have_the_right_blocks_and_channels(int depth, int convs, int channels)
    {
        using var scope = NewDisposeScope();
        var resnet = new ResNet(new ResNetOptions { Depth = depth });
        Assert.Equal(convs, resnet.modules().OfType<Conv2d>().Count());
        Assert.Equal(channels, resnet.OutChannels);
        resnet.eval();
        using (no_grad())
        {
            Assert.Equal(new long[] { 1, channels, 2, 2 }, resnet.call(Images(1, 3, 64)).shape);
        }
    }

    [Fact]
    public void OutIndices_return_the_listed_stages_in_the_listed_order()
    {
        using var scope = NewDisposeScope();
        var resnet = new ResNet(new ResNetOptions { Depth = 18, OutIndices = [0, 3, 1] });
        resnet.eval();
        using var _ = no_grad();
        IReadOnlyList<Tensor> outputs = resnet.ForwardFeatures(Images(2, 3, 64));
        Assert.Equal(3, outputs.Count);
        Assert.Equal(new long[] { 2, 64, 16, 16 }, outputs[0].shape);
        Assert.Equal(new long[] { 2, 512, 2, 2 }, outputs[1].shape);
        Assert.Equal(new long[] { 2, 128, 8, 8 }, outputs[2].shape);
        Assert.Equal(128, resnet.OutChannels);
        Assert.Equal(new long[] { 2, 128, 8, 8 }, resnet.call(Images(2, 3, 64)).shape);
    }

    [Fact]
    public void Grey_images_fewer_stages_and_custom_widths_bind_from_config()
    {
        using var scope = NewDisposeScope();
        Backbone backbone = FromJson("""
            { "type": "ResNet", "depth": 18, "in_channels": 1, "stemChannels": 32, "baseChannels": 16,
              "numStages": 2, "out_indices": [1], "strides": [1, 1], "dilations": [1, 2] }
            """);
        Assert.Equal(1, backbone.InChannels);
        Assert.Equal(32, backbone.OutChannels);
        Assert.Equal(new long[] { 32, 1, 7, 7 }, Conv(backbone, "conv1").weight!.shape);
        Assert.Equal(new long[] { 2, 2 }, Conv(backbone, "layer2.0.conv1").dilation);
        Assert.DoesNotContain(backbone.named_modules(), m => m.name == "layer3");
        Assert.Equal(new long[] { 2, 32, 8, 8 }, ForwardBackward(backbone, Images(2, 1, 32)));
    }

    [Fact]
    public void Style_puts_the_bottleneck_stride_on_the_3x3_conv_or_on_the_first_1x1_conv()
    {
        using var scope = NewDisposeScope();
        var pytorch = new ResNet(new ResNetOptions { Depth = 50, NumStages = 2, OutIndices = [1] });
        Backbone caffe = FromJson("""{ "type": "ResNet", "depth": 50, "numStages": 2, "outIndices": [1], "style": "caffe" }""");
        Assert.Equal(new long[] { 1, 1 }, Conv(pytorch, "layer2.0.conv1").stride);
        Assert.Equal(new long[] { 2, 2 }, Conv(pytorch, "layer2.0.conv2").stride);
        Assert.Equal(new long[] { 2, 2 }, Conv(caffe, "layer2.0.conv1").stride);
        Assert.Equal(new long[] { 1, 1 }, Conv(caffe, "layer2.0.conv2").stride);
        Assert.Equal(new long[] { 2, 2 }, Conv(caffe, "layer2.0.downsample.0").stride);
        caffe.eval();
        using var _ = no_grad();
        Assert.Equal(new long[] { 1, 512, 4, 4 }, caffe.call(Images(1, 3, 32)).shape);
    }

    [Fact]
    public void ZeroInitResidual_zeroes_the_last_norm_of_every_block_and_only_that()
    {
        using var scope = NewDisposeScope();
        var zeroed = new ResNet(new ResNetOptions { Depth = 50, NumStages = 2, OutIndices = [1] });
        var plain = new ResNet(new ResNetOptions { Depth = 18, NumStages = 2, OutIndices = [1], ZeroInitResidual = false });
        var basic = new ResNet(new ResNetOptions { Depth = 18, NumStages = 1, OutIndices = [0] });
        foreach (string name in new[] { "layer1.0.bn3", "layer1.2.bn3", "layer2.3.bn3" })
        {
            Assert.Equal(0, Norm(zeroed, name).weight!.abs().sum().item<float>());
        }

        Assert.Equal(64, Norm(zeroed, "layer1.0.bn2").weight!.sum().item<float>());
        Assert.Equal(256, Norm(zeroed, "layer1.0.downsample.1").weight!.sum().item<float>());
        Assert.Equal(0, Norm(basic, "layer1.1.bn2").weight!.abs().sum().item<float>());
        Assert.Equal(64, Norm(plain, "layer1.1.bn2").weight!.sum().item<float>());
        Assert.Equal(0, Norm(plain, "layer1.1.bn2").bias!.abs().sum().item<float>());

        // With every residual branch zeroed a block is relu(x + shortcut): layer1 of ResNet-18 passes its input on.
        basic.eval();
        using var _ = no_grad();
        Tensor x = Images(1, 64, 8).relu();
        Tensor layer1 = ((nn.Module<Tensor, Tensor>)Module(basic, "layer1")).call(x);
        Assert.True(layer1.allclose(x));
    }

    [Fact]
    public void FrozenStages_freezes_the_stem_and_the_first_stages_and_keeps_them_in_eval_mode()
    {
        using var scope = NewDisposeScope();
        Backbone backbone = FromJson("""{ "type": "ResNet", "depth": 18, "frozenStages": 1 }""");
        backbone.train();
        Assert.False(Conv(backbone, "conv1").weight!.requires_grad);
        Assert.False(Norm(backbone, "bn1").training);
        Assert.False(Conv(backbone, "layer1.1.conv2").weight!.requires_grad);
        Assert.False(Norm(backbone, "layer1.0.bn1").training);
        Assert.True(Conv(backbone, "layer2.0.conv1").weight!.requires_grad);
        Assert.True(Norm(backbone, "layer2.0.bn1").training);

        // Training does not move the frozen running statistics; the unfrozen ones do move.
        Tensor frozenMean = Norm(backbone, "layer1.0.bn1").running_mean!.clone();
        Tensor liveMean = Norm(backbone, "layer2.0.bn1").running_mean!.clone();
        using (no_grad())
        {
            backbone.call(Images(2, 3, 64));
        }

        Assert.True(Norm(backbone, "layer1.0.bn1").running_mean!.equal(frozenMean).all().item<bool>());
        Assert.False(Norm(backbone, "layer2.0.bn1").running_mean!.equal(liveMean).all().item<bool>());
    }

    [Fact]
    public void NormEval_keeps_every_batch_norm_in_eval_mode_during_training()
    {
        using var scope = NewDisposeScope();
        var resnet = new ResNet(new ResNetOptions { Depth = 18, NormEval = true, NumStages = 2, OutIndices = [1] });
        var classifier = new ImageClassifier(resnet, new GlobalAveragePooling(),
            new LinearClsHead(new LinearClsHeadOptions { NumClasses = 3, InChannels = resnet.OutChannels }));
        classifier.train();
        Assert.True(resnet.training);
        Assert.True(Conv(resnet, "conv1").training);
        Assert.All(resnet.modules().OfType<BatchNorm2d>(), bn => Assert.False(bn.training));
        Assert.True(Conv(resnet, "conv1").weight!.requires_grad);

        var normal = new ResNet(new ResNetOptions { Depth = 18, NumStages = 1, OutIndices = [0] });
        normal.train();
        Assert.All(normal.modules().OfType<BatchNorm2d>(), bn => Assert.True(bn.training));
    }

    [Fact]
    public void ResNetV1d_has_the_deep_stem_and_average_pool_shortcuts()
    {
        using var scope = NewDisposeScope();
        Backbone backbone = FromJson("""{ "type": "ResNetV1d", "depth": 50, "numStages": 2, "outIndices": [1] }""");
        Assert.IsType<ResNetV1d>(backbone);
        string[] names = backbone.named_modules().Select(m => m.name).ToArray();
        Assert.DoesNotContain("conv1", names);
        Assert.Equal(new long[] { 32, 3, 3, 3 }, Conv(backbone, "stem.0.conv").weight!.shape);
        Assert.Equal(new long[] { 2, 2 }, Conv(backbone, "stem.0.conv").stride);
        Assert.Equal(new long[] { 64, 32, 3, 3 }, Conv(backbone, "stem.2.conv").weight!.shape);
        Norm(backbone, "stem.1.bn");
        Assert.Contains("stem.2.activate", names);
        Assert.IsType<AvgPool2d>(Module(backbone, "layer2.0.downsample.0"));
        Assert.Equal(new long[] { 1, 1 }, Conv(backbone, "layer2.0.downsample.1").stride);
        Norm(backbone, "layer2.0.downsample.2");
        // layer1 keeps stride 1: its shortcut only changes channels and has no pool.
        Conv(backbone, "layer1.0.downsample.0");
        Assert.Equal(new long[] { 2, 512, 8, 8 }, ForwardBackward(backbone, Images(2, 3, 64)));

        Assert.Contains("deepStem", ErrorOf("""{ "type": "ResNetV1d", "depth": 18, "deepStem": false }"""));
        Assert.Contains("avgDown", ErrorOf("""{ "type": "ResNetV1d", "depth": 18, "avgDown": false }"""));
    }

    [Fact]
    public void ResNet_CIFAR_has_a_3x3_stride_1_stem_and_no_max_pool()
    {
        using var scope = NewDisposeScope();
        Backbone backbone = FromJson("""{ "type": "ResNet_CIFAR", "depth": 18 }""");
        Assert.IsType<ResNetCifar>(backbone);
        Assert.Equal(new long[] { 64, 3, 3, 3 }, Conv(backbone, "conv1").weight!.shape);
        Assert.Equal(new long[] { 1, 1 }, Conv(backbone, "conv1").stride);
        Assert.DoesNotContain(backbone.named_modules(), m => m.name == "maxpool");
        Assert.Equal(new long[] { 2, 512, 4, 4 }, ForwardBackward(backbone, Images(2, 3, 32)));
        Assert.Contains("deepStem", ErrorOf("""{ "type": "ResNet_CIFAR", "depth": 18, "deepStem": true }"""));
    }

    [Theory]
    [InlineData("""{ "type": "ResNet", "depth": 19 }""", "depth", "18, 34, 50, 101, 152")]
    [InlineData("""{ "type": "ResNet", "depth": 18, "outIndices": [4] }""", "outIndices", "0..3")]
    [InlineData("""{ "type": "ResNet", "depth": 18, "numStages": 2, "outIndices": [2] }""", "outIndices", "0..1")]
    [InlineData("""{ "type": "ResNet", "depth": 18, "outIndices": [1, 1] }""", "outIndices", "twice")]
    [InlineData("""{ "type": "ResNet", "depth": 18, "numStages": 5 }""", "numStages", "1..4")]
    [InlineData("""{ "type": "ResNet", "depth": 18, "frozenStages": 5 }""", "frozenStages", "-1")]
    [InlineData("""{ "type": "ResNet", "depth": 18, "strides": [1, 2] }""", "strides", "one entry per stage")]
    [InlineData("""{ "type": "ResNet", "depth": 18, "inChannels": 0 }""", "inChannels", "positive")]
    [InlineData("""{ "type": "ResNet", "depth": 18, "style": "tensorflow" }""", "style", "pytorch, caffe")]
    [InlineData("""{ "type": "ResNet", "depth": 18, "outIndex": [3] }""", "outIndex", "outIndices")]
    public void Wrong_options_give_errors_naming_the_key(string json, string key, string hint)
    {
        string message = ErrorOf(json);
        Assert.Contains(key, message);
        Assert.Contains(hint, message);
    }

    [Fact]
    public void A_wrong_input_is_an_error_naming_the_expected_shape()
    {
        using var scope = NewDisposeScope();
        var resnet = new ResNet(new ResNetOptions { Depth = 18, InChannels = 1, NumStages = 1, OutIndices = [0] });
        var error = Assert.Throws<ArgumentException>(() => { resnet.call(Images(1, 3, 32)); });
        Assert.Contains("[N, 1, H, W]", error.Message);
    }
}
