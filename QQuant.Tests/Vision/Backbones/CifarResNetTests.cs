using QQuant.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Vision.Backbones.BackboneTestSupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Vision.Backbones;

/// <summary>He et al.'s 3-stage CIFAR ResNet with option A and option B shortcuts.</summary>
public class CifarResNetTests
{
    [Theory]
    [InlineData(20, 19)]
    [InlineData(32, 31)]
    [InlineData(56, 55)]
    public void Depth_6n_plus_2_has_3n_blocks_and_6n_plus_1_convs_with_option_A(int depth, int convs)
    {
        using var scope = NewDisposeScope();
        var model = new CifarResNet(new CifarResNetOptions { Depth = depth, Shortcut = CifarShortcut.A });
        // 6n 3x3 convs in blocks plus the stem: the 6n + 2 layers count the stem and the final fc.
        Assert.Equal(convs, model.modules().OfType<Conv2d>().Count());
        Assert.Equal(0, model.parameters().Count(p => p.dim() == 4 && p.shape[2] == 1));
    }

    [Fact]
    public void CifarResNet20_from_config_uses_projection_shortcuts_by_default_and_trains_at_32()
    {
        using var scope = NewDisposeScope();
        Backbone backbone = FromJson("""{ "type": "CifarResNet", "depth": 20 }""");
        var model = Assert.IsType<CifarResNet>(backbone);
        Assert.Equal(CifarShortcut.B, model.Shortcut);
        Assert.Equal(64, model.OutChannels);
        Assert.Equal(new long[] { 16, 3, 3, 3 }, Conv(model, "conv1").weight!.shape);
        Assert.Equal(new long[] { 32, 16, 1, 1 }, Conv(model, "layer2.0.downsample.0").weight!.shape);
        Assert.Equal(new long[] { 2, 2 }, Conv(model, "layer2.0.downsample.0").stride);
        Norm(model, "layer3.0.downsample.1");
        Assert.Equal(new long[] { 64, 64, 3, 3 }, Conv(model, "layer3.2.conv2").weight!.shape);
        Assert.DoesNotContain(model.named_modules(), m => m.name == "layer4" || m.name == "layer1.0.downsample");
        Assert.Equal(21, model.modules().OfType<Conv2d>().Count());
        Assert.Equal(new long[] { 2, 64, 8, 8 }, ForwardBackward(backbone, Images(2, 3, 32)));
    }

    [Fact]
    public void Option_A_subsamples_and_zero_pads_the_channels()
    {
        using var scope = NewDisposeScope();
        Backbone backbone = FromJson("""{ "type": "CifarResNet", "depth": 20, "shortcut": "A", "outIndices": [0, 1, 2], "inChannels": 1 }""");
        IReadOnlyList<Tensor> outputs;
        using (no_grad())
        {
            backbone.eval();
            outputs = backbone.ForwardFeatures(Images(1, 1, 32));
        }

        Assert.Equal(new long[] { 1, 16, 32, 32 }, outputs[0].shape);
        Assert.Equal(new long[] { 1, 32, 16, 16 }, outputs[1].shape);
        Assert.Equal(new long[] { 1, 64, 8, 8 }, outputs[2].shape);

        var shortcut = (nn.Module<Tensor, Tensor>)Module(backbone, "layer2.0.downsample");
        Assert.Empty(shortcut.parameters());
        Tensor x = arange(2 * 4 * 4, dtype: float32).reshape(1, 2, 4, 4);
        // A 2 -> 4 channel, stride 2 shortcut: a zero channel, the 2 input channels at even pixels, a zero channel.
        var pad = (nn.Module<Tensor, Tensor>)new CifarResNet(new CifarResNetOptions { Depth = 8, BaseChannels = 2, Shortcut = CifarShortcut.A })
            .named_modules().Single(m => m.name == "layer2.0.downsample").module;
        Tensor y = pad.call(x);
        Assert.Equal(new long[] { 1, 4, 2, 2 }, y.shape);
        Assert.Equal(new float[] { 0, 2, 8, 10, 16, 18, 24, 26 }, y[0, 1..3].flatten().data<float>().ToArray());
        Assert.Equal(0, y[0, 0].abs().sum().item<float>());
        Assert.Equal(0, y[0, 3].abs().sum().item<float>());
    }

    [Theory]
    [InlineData("""{ "type": "CifarResNet", "depth": 19 }""", "depth", "6n + 2")]
    [InlineData("""{ "type": "CifarResNet", "depth": 20, "outIndices": [3] }""", "outIndices", "0..2")]
    [InlineData("""{ "type": "CifarResNet", "depth": 20, "shortcut": "C" }""", "shortcut", "a, b")]
    public void Wrong_options_give_errors_naming_the_key(string json, string key, string hint)
    {
        string message = ErrorOf(json);
        Assert.Contains(key, message);
        Assert.Contains(hint, message);
    }
}
