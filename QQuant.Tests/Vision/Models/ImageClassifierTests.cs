using System.Text;
using Microsoft.Extensions.Configuration;
using QQuant.Quantizers;
using QQuant.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Vision.Models;

public class ImageClassifierTests
{
    /// <summary>A two-conv backbone standing in for the real ones.</summary>
    public sealed class TinyBackbone : Backbone
    {
        private readonly nn.Module<Tensor, Tensor> conv1;
        private readonly nn.Module<Tensor, Tensor> bn1;
        private readonly nn.Module<Tensor, Tensor> layer1;

        public TinyBackbone(TinyOptions options) : base(nameof(TinyBackbone))
        {
            InChannels = options.InChannels;
            conv1 = nn.Conv2d(options.InChannels, 4, 3, padding: 1);
            bn1 = nn.BatchNorm2d(4);
            layer1 = nn.Sequential(("0", nn.Conv2d(4, 8, 3, padding: 1)), ("1", nn.ReLU()));
            RegisterComponents();
        }

        public override int InChannels { get; }

        public override int OutChannels => 8;

        public override IReadOnlyList<Tensor> ForwardFeatures(Tensor input) => [layer1.call(bn1.call(conv1.call(input)))];
    }

    public sealed class TinyOptions
    {
        public int InChannels { get; set; } = 3;
    }

    private static ComponentRegistry Registry() =>
        new ComponentRegistry().AddVision().Add<Backbone, TinyOptions>("Tiny", o => new TinyBackbone(o));

    private static IConfigurationSection Model(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build().GetSection("model");

    private const string Config = """
        { "model": { "type": "ImageClassifier",
                     "backbone": { "type": "Tiny", "in_channels": 1 },
                     "neck": { "type": "GlobalAveragePooling" },
                     "head": { "type": "LinearClsHead", "num_classes": 10, "in_channels": 8,
                               "loss": { "type": "LabelSmoothLoss", "label_smooth_val": 0.1 }, "topk": [1, 5] } } }
        """;

    [Fact]
    public void A_config_builds_backbone_neck_and_head_under_the_reference_names()
    {
        using var model = Registry().Build<ImageClassifier>(Model(Config));

        Assert.Equal(
            ["backbone", "neck", "head", "backbone.conv1", "backbone.bn1", "backbone.layer1", "backbone.layer1.0",
             "backbone.layer1.1", "head.fc", "head.loss"],
            model.named_modules().Select(m => m.name));
        Assert.IsType<LabelSmoothLoss>(((LinearClsHead)model.Head).LossFunction);
        using Tensor logits = model.call(ones(2, 1, 6, 6));
        Assert.Equal([2L, 10L], logits.shape);
    }

    [Fact]
    public void Loss_and_accuracy_come_from_the_head_and_gradients_reach_the_backbone()
    {
        using var model = Registry().Build<ImageClassifier>(Model(Config));
        using Tensor images = rand(4, 1, 6, 6);
        using Tensor labels = tensor(new long[] { 0, 1, 2, 3 });

        using Tensor logits = model.call(images);
        using Tensor loss = model.Loss(logits, labels);
        loss.backward();

        Assert.True(loss.item<float>() > 0);
        Assert.Equal(["accuracy_top-1", "accuracy_top-5"], model.Accuracy(logits, labels).Keys);
        Assert.True(model.named_parameters().Single(p => p.name == "backbone.conv1.weight").parameter.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void A_policy_quantizes_the_backbone_and_head_by_reference_names()
    {
        using var model = Registry().Build<ImageClassifier>(Model(Config));

        QuantizationReport report = model.Quantize(QuantPolicy
            .For<Conv2d>().Use<LSQConv>(w: 4, a: 4)
            .For<Linear>().Use<LSQLinear>(w: 8, a: 8)
            .Except("backbone.conv1"));

        Assert.Equal(["backbone.layer1.0", "head.fc"], report.Layers.Where(r => r.Decision == QuantDecision.Quantized).Select(r => r.Name));
        Assert.Equal(["backbone.conv1"], report.Layers.Where(r => r.Decision == QuantDecision.Excepted).Select(r => r.Name));
        model.train();
        using Tensor logits = model.call(rand(2, 1, 6, 6));
        Assert.Equal([2L, 10L], logits.shape);
    }

    [Fact]
    public void A_missing_part_or_a_wrong_head_width_is_reported_by_key()
    {
        var e = Assert.Throws<ComponentConfigurationException>(() => Registry().Build<ImageClassifier>(Model("""
            { "model": { "type": "ImageClassifier", "backbone": { "type": "Tiny" },
                         "head": { "type": "LinearClsHead", "num_classes": 0, "in_channels": 8 } } }
            """)));
        var missing = Assert.Throws<ComponentConfigurationException>(() => Registry().Build<ImageClassifier>(Model("""
            { "model": { "type": "ImageClassifier", "backbone": { "type": "Tiny" } } }
            """)));

        Assert.Equal("model:head (LinearClsHead): numClasses must be positive, got 0.", Assert.Single(e.Problems));
        Assert.Equal("model (ImageClassifier): head is required.", Assert.Single(missing.Problems));
    }
}
