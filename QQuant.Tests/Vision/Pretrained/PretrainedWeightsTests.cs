using QQuant.Quantizers;
using QQuant.Vision;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace QQuant.Tests.Vision.Pretrained;

/// <summary>Pretrained float weights into an ImageClassifier, from TorchVision-layout and classifier-layout files.</summary>
public sealed class PretrainedWeightsTests
{
    [Theory]
    [InlineData("resnet.pth")]
    [InlineData("resnet.safetensors")]
    public void TorchVision_weights_load_strictly_and_the_classifier_computes_what_the_source_network_does(string name)
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("qquant-pretrained");
        string path = Path.Combine(folder.Path, name);
        TorchVisionTwin twin = TorchVisionTwin.Seeded(1, classes: 3);
        SaveTwin(twin, path);
        ImageClassifier classifier = Classifier(classes: 3);

        StateDictLoadReport report = PretrainedWeights.Load(classifier, path);

        Assert.True(report.IsExactMatch, report.ToString());
        Assert.Contains("TorchVision layout", report.Source);
        Assert.Contains("backbone.layer1.1.running_var", report.Loaded);
        Assert.Contains("head.fc.weight", report.Loaded);
        SameOutputs(twin, classifier);
    }

    [Fact]
    public void Classifier_layout_is_detected_and_a_wrapper_prefix_is_stripped()
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("qquant-pretrained");
        ImageClassifier trained = Classifier(classes: 3);
        Reseed(trained, 2);
        string plain = Path.Combine(folder.Path, "classifier.safetensors");
        string wrapped = Path.Combine(folder.Path, "wrapped.pth");
        StateDictFile.Save(plain, trained.state_dict());
        StateDictFile.Save(wrapped, trained.state_dict().ToDictionary(p => "module." + p.Key, p => p.Value));

        ImageClassifier fromPlain = Classifier(classes: 3);
        ImageClassifier fromWrapped = Classifier(classes: 3);
        StateDictLoadReport report = PretrainedWeights.Load(fromPlain, plain);
        PretrainedWeights.Load(fromWrapped, wrapped);

        Assert.Contains("Classifier layout", report.Source);
        Assert.True(report.IsExactMatch, report.ToString());
        SameOutputs(trained, fromPlain);
        SameOutputs(trained, fromWrapped);
    }

    [Fact]
    public void A_head_for_another_class_count_fails_a_strict_load_and_a_lenient_one_keeps_the_head()
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("qquant-pretrained");
        string path = Path.Combine(folder.Path, "imagenet.pth");
        TorchVisionTwin twin = TorchVisionTwin.Seeded(3, classes: 1000);
        twin.save_py(path);
        ImageClassifier classifier = Classifier(classes: 3);
        Dictionary<string, Tensor> before = classifier.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());

        var e = Assert.Throws<StateDictMismatchException>(() => PretrainedWeights.Load(classifier, path));
        Assert.Contains(path, e.Message);
        Assert.Contains("fc.weight → head.fc.weight: module [3, 4], source [1000, 4]", e.Message);
        Assert.All(before, p => Assert.True(p.Value.eq(classifier.state_dict()[p.Key]).all().ToBoolean(), $"{p.Key} changed"));

        StateDictLoadReport report = PretrainedWeights.Load(classifier, path, strict: false);

        Assert.Equal(["head.fc.bias", "head.fc.weight"], report.ShapeMismatched.Select(m => m.Key).Order());
        Assert.True(classifier.state_dict()["head.fc.weight"].eq(before["head.fc.weight"]).all().ToBoolean());
        Assert.True(classifier.state_dict()["backbone.conv1.weight"].eq(twin.state_dict()["conv1.weight"]).all().ToBoolean());
    }

    [Fact]
    public void A_TorchVision_key_with_no_place_in_the_classifier_is_unexpected()
    {
        using var scope = NewDisposeScope();
        TorchVisionTwin twin = TorchVisionTwin.Seeded(4, classes: 3);
        var state = twin.state_dict().ToDictionary(p => p.Key, p => p.Value);
        state["aux_logits.weight"] = ones(2);

        var e = Assert.Throws<StateDictMismatchException>(() =>
            PretrainedWeights.Load(Classifier(classes: 3), state, "'twin'", WeightLayout.TorchVision));

        Assert.Equal(["aux_logits.weight"], e.Report.Unexpected);
        Assert.Empty(e.Report.Missing);
    }

    [Fact]
    public void Float_TorchVision_weights_load_strictly_into_a_quantized_classifier()
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("qquant-pretrained");
        string path = Path.Combine(folder.Path, "float.pth");
        TorchVisionTwin twin = TorchVisionTwin.Seeded(5, classes: 3);
        twin.save_py(path);
        ImageClassifier classifier = Classifier(classes: 3);
        classifier.Quantize(QuantPolicy.For<Conv2d>().Use<LSQConv>(w: 4, a: 4).For<Linear>().Use<LSQLinear>(w: 4, a: 4));

        StateDictLoadReport report = PretrainedWeights.Load(classifier, path);

        Assert.Empty(report.Missing);
        Assert.Contains("backbone.conv1.weight_quantizer.step", report.MissingQuantizerState);
        Assert.Contains("head.fc.input_quantizer.initialized", report.MissingQuantizerState);
        Assert.True(classifier.state_dict()["backbone.layer1.0.weight"].eq(twin.state_dict()["layer1.0.weight"]).all().ToBoolean());
    }

    [Fact]
    public void TorchVision_layout_needs_a_backbone_that_knows_it()
    {
        using var scope = NewDisposeScope();
        var classifier = new ImageClassifier(new PlainBackbone(), new GlobalAveragePooling(),
            new LinearClsHead(new LinearClsHeadOptions { NumClasses = 3, InChannels = 4 }));

        var e = Assert.Throws<ArgumentException>(() => PretrainedWeights.Load(classifier,
            new Dictionary<string, Tensor> { ["conv1.weight"] = ones(4, 3, 3, 3) }, "'x.pth'"));

        Assert.Contains(nameof(PlainBackbone), e.Message);
        Assert.Contains(nameof(ITorchVisionLayout), e.Message);
    }

    [Fact]
    public void The_layout_is_told_from_the_keys()
    {
        Assert.Equal(WeightLayout.Classifier, PretrainedWeights.DetectLayout(["backbone.conv1.weight", "head.fc.bias"]));
        Assert.Equal(WeightLayout.Classifier, PretrainedWeights.DetectLayout(["head.fc.bias"]));
        Assert.Equal(WeightLayout.TorchVision, PretrainedWeights.DetectLayout(["conv1.weight", "fc.bias", "layer1.0.bn1.running_mean"]));
    }

    private static ImageClassifier Classifier(int classes) =>
        new(new TinyBackbone(), new GlobalAveragePooling(), new LinearClsHead(new LinearClsHeadOptions { NumClasses = classes, InChannels = 4 }));

    private static void SaveTwin(TorchVisionTwin twin, string path)
    {
        if (path.EndsWith(".pth", StringComparison.Ordinal))
        {
            twin.save_py(path);
        }
        else
        {
            StateDictFile.Save(path, twin.state_dict());
        }
    }

    private static void SameOutputs(nn.Module<Tensor, Tensor> expected, nn.Module<Tensor, Tensor> actual)
    {
        expected.eval();
        actual.eval();
        using var generator = new Generator(99);
        using Tensor images = randn([2, 3, 6, 6], generator: generator);
        using var noGrad = no_grad();
        using Tensor want = expected.call(images);
        using Tensor got = actual.call(images);
        Assert.True(want.allclose(got, rtol: 0, atol: 1e-6), $"outputs differ by {(want - got).abs().max().ToDouble()}");
    }

    /// <summary>Seeded normal parameters and non-trivial BatchNorm statistics.</summary>
    private static void Reseed(nn.Module model, ulong seed)
    {
        using var generator = new Generator(seed);
        using var noGrad = no_grad();
        foreach ((string name, Tensor t) in model.state_dict())
        {
            if (!t.is_floating_point())
            {
                continue;
            }

            using Tensor values = name.EndsWith("running_var", StringComparison.Ordinal)
                ? rand(t.shape, generator: generator) + 0.5
                : randn(t.shape, generator: generator) * 0.5;
            t.copy_(values);
        }
    }

    /// <summary>A ResNet-like stem whose parameter names are TorchVision's: conv1, bn1, layer1 (conv, bn), fc.</summary>
    private sealed class TorchVisionTwin : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> conv1 = nn.Conv2d(3, 4, 3, padding: 1, bias: false);
        private readonly nn.Module<Tensor, Tensor> bn1 = nn.BatchNorm2d(4);
        private readonly nn.Module<Tensor, Tensor> relu = nn.ReLU();
        private readonly nn.Module<Tensor, Tensor> layer1 = nn.Sequential(nn.Conv2d(4, 4, 3, padding: 1, bias: false), nn.BatchNorm2d(4));
        private readonly nn.Module<Tensor, Tensor> fc;

        private TorchVisionTwin(int classes) : base(nameof(TorchVisionTwin))
        {
            fc = nn.Linear(4, classes);
            RegisterComponents();
        }

        public static TorchVisionTwin Seeded(ulong seed, int classes)
        {
            var twin = new TorchVisionTwin(classes);
            Reseed(twin, seed);
            return twin;
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            Tensor features = layer1.call(relu.call(bn1.call(conv1.call(input))));
            return fc.call(features.mean([2, 3])).MoveToOuterDisposeScope();
        }
    }

    /// <summary>The classifier-side counterpart of <see cref="TorchVisionTwin"/>, mapping TorchVision keys to classifier keys.</summary>
    private sealed class TinyBackbone : Backbone, ITorchVisionLayout
    {
        private readonly nn.Module<Tensor, Tensor> conv1 = nn.Conv2d(3, 4, 3, padding: 1, bias: false);
        private readonly nn.Module<Tensor, Tensor> bn1 = nn.BatchNorm2d(4);
        private readonly nn.Module<Tensor, Tensor> relu = nn.ReLU();
        private readonly nn.Module<Tensor, Tensor> layer1 = nn.Sequential(nn.Conv2d(4, 4, 3, padding: 1, bias: false), nn.BatchNorm2d(4));

        public TinyBackbone() : base(nameof(TinyBackbone)) => RegisterComponents();

        public override int InChannels => 3;

        public override int OutChannels => 4;

        public override IReadOnlyList<Tensor> ForwardFeatures(Tensor input)
        {
            using var scope = NewDisposeScope();
            return [layer1.call(relu.call(bn1.call(conv1.call(input)))).MoveToOuterDisposeScope()];
        }

        public string? MapTorchVisionKey(string torchVisionKey) => torchVisionKey switch
        {
            _ when torchVisionKey.StartsWith("fc.", StringComparison.Ordinal) => "head." + torchVisionKey,
            _ when new[] { "conv1.", "bn1.", "layer1." }.Any(p => torchVisionKey.StartsWith(p, StringComparison.Ordinal)) => "backbone." + torchVisionKey,
            _ => null,
        };
    }

    /// <summary>A backbone with no TorchVision counterpart.</summary>
    private sealed class PlainBackbone : Backbone
    {
        private readonly nn.Module<Tensor, Tensor> conv1 = nn.Conv2d(3, 4, 3);

        public PlainBackbone() : base(nameof(PlainBackbone)) => RegisterComponents();

        public override int InChannels => 3;

        public override int OutChannels => 4;

        public override IReadOnlyList<Tensor> ForwardFeatures(Tensor input) => [conv1.call(input)];
    }
}
