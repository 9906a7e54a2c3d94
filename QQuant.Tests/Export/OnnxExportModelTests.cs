using Microsoft.ML.OnnxRuntime;
using QQuant.Export;
using QQuant.Export.Onnx;
using QQuant.Quantizers;
using QQuant.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Vision.Backbones.BackboneTestSupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Export;

/// <summary>
/// Every backbone QQuant.Vision ships, float and quantized by each method, exported and run by ONNX Runtime. With
/// graph optimisations off, ONNX Runtime computes the exported graph as written in float, so it must give the
/// library's logits (up to float rounding where the report lists approximations); with EXTENDED it runs the integer
/// kernels.
/// </summary>
[Collection(QQuant.Tests.Training.GlobalTorchRandom.Name)]
public class OnnxExportModelTests(ITestOutputHelper output)
{
    public static TheoryData<string, int> Backbones() => new()
    {
        { """{ "type": "CifarResNet", "depth": 20 }""", 3 },
        { """{ "type": "ResNet_CIFAR", "depth": 18 }""", 3 },
        { """{ "type": "ResNet", "depth": 50 }""", 3 },
        { """{ "type": "ResNetV1d", "depth": 18 }""", 3 },
        { """{ "type": "MobileNetV2" }""", 3 },
        { """{ "type": "VGG", "depth": 11, "withNorm": true }""", 3 },
        { """{ "type": "LeNet5", "numClasses": 10 }""", 1 },
    };

    public static TheoryData<string> Methods() => ["LSQ", "LSQPlus", "DSQ", "DoReFa", "PACT", "Uniform", "EightBit"];

    [Theory]
    [MemberData(nameof(Backbones))]
    public void A_float_classifier_exports_with_its_logits(string json, int channels)
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        ImageClassifier classifier = Classifier(json);
        Tensor images = Images(4, channels, 32);

        (float[] expected, float[] actual, OnnxExportReport report) = Compare(classifier, images, GraphOptimizationLevel.ORT_ENABLE_EXTENDED);

        Assert.Empty(report.Layers);
        AssertClose(expected, actual, 1e-4);
    }

    [Theory]
    [MemberData(nameof(Backbones))]
    public void An_lsq_classifier_exports_exactly_as_written(string json, int channels)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        ImageClassifier classifier = Classifier(json);
        classifier.Quantize(QuantPolicy.For<Conv2d>().Use<LSQConv>(w: 4, a: 4).For<Linear>().Use<EightBitLinear>(w: 8, a: 8));
        Tensor images = Images(4, channels, 32);
        QuantCalibration.Calibrate(classifier, [Images(8, channels, 32, seed: 3)]);

        (float[] expected, float[] actual, OnnxExportReport report) = Compare(classifier, images, GraphOptimizationLevel.ORT_DISABLE_ALL);
        output.WriteLine(report.ToString());

        Assert.NotEmpty(report.Layers);
        Assert.All(report.Layers.Where(l => l.LayerType == nameof(LSQConv)), l => Assert.Empty(l.Notes));

        // ONNX Runtime's float convolution sums in another order than libtorch's, which can move a value that sits on a
        // 4-bit rounding boundary by one step; one such step moves these small logits by up to a few percent.
        AssertClose(expected, actual, 5e-2);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Every_method_exports_and_its_report_names_what_is_approximated(string method)
    {
        using var scope = NewDisposeScope();
        ImageClassifier classifier = TrainedOnce(Policy(method).For<Linear>().Use<EightBitLinear>(w: 8, a: 8));
        Tensor images = Images(4, 3, 32);

        (float[] expected, float[] actual, OnnxExportReport report) = Compare(classifier, images, GraphOptimizationLevel.ORT_DISABLE_ALL, alignBiases: true);
        output.WriteLine(report.ToString());

        Assert.Equal(10, report.Layers.Count);
        if (method is "LSQ")
        {
            AssertClose(expected, actual, 1e-5);
        }
        else
        {
            // Last-bit differences (8-bit and DoReFa weights, uniform steps, DSQ's midpoints) move the odd value by a
            // step. LSQ+'s offsets (MSE-initialised) are fractional numbers of steps: written exactly, without a note.
            IEnumerable<OnnxLayerExport> inner = report.Layers.Where(l => l.Path.StartsWith("backbone", StringComparison.Ordinal));
            if (method is "LSQPlus")
            {
                OnnxLayerExport[] exact = [.. inner.Where(l => l.Input.Contains("exact offset", StringComparison.Ordinal))];
                Assert.Contains(exact, l => l.Path == "backbone.conv1");
                Assert.All(exact, l => Assert.Empty(l.Notes));
                inner = inner.Except(exact);
            }

            Assert.All(inner, l => Assert.NotEmpty(l.Notes));
            AssertClose(expected, actual, 0.5);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TorchVisions_resnet18_quantized_by_a_policy_exports_with_its_logits(bool quantized)
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var model = torchvision.models.resnet18(num_classes: 10);
        Tensor images = Images(2, 3, 64);
        if (quantized)
        {
            // LSQ throughout, whose export is exact (the 8-bit layers' weights differ in the last bit).
            model.Quantize(QuantPolicy.For<Conv2d>().Use<LSQConv>(w: 4, a: 4).For<Linear>().Use<LSQLinear>(w: 8, a: 8)
                .Override("conv1", r => r.Use<LSQConv>(w: 8, a: 8, o => o.QuantizeInput = false)));
            QuantCalibration.Calibrate(model, [Images(4, 3, 64, seed: 3)]);
        }

        model.eval();
        (OnnxModel onnx, OnnxExportReport report) = model.ToOnnx(new OnnxExportOptions { SampleInput = images });
        float[] expected = model.call(images).data<float>().ToArray();
        float[] actual = OnnxRuntimeHarness.Run(
            OnnxModelWriter.ToBytes(onnx), new Dictionary<string, (float[], long[])> { ["input"] = (images.data<float>().ToArray(), images.shape) },
            GraphOptimizationLevel.ORT_DISABLE_ALL)["output"].Data;

        Assert.Equal(quantized ? 21 : 0, report.Layers.Count);
        Assert.Contains(onnx.Graph.Nodes, n => n.OpType == "Add");
        AssertClose(expected, actual, 1e-4);
    }

    [Fact]
    public void APoT_levels_have_no_integer_grid_and_the_error_names_the_quantizer()
    {
        using var scope = NewDisposeScope();
        ImageClassifier classifier = TrainedOnce(QuantPolicy.For<Conv2d>().Use<APoTConv>(w: 4, a: 4));

        OnnxExportException e = Assert.Throws<OnnxExportException>(() => classifier.ToOnnx(new OnnxExportOptions { InputShape = [1, 3, 32, 32] }));

        Assert.Equal("backbone.conv1.input_quantizer", e.Path);
        Assert.Contains("power-of-two levels", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Weights_without_an_integer_grid_are_float_with_a_note_or_an_error_when_strict()
    {
        using var scope = NewDisposeScope();
        ImageClassifier classifier = TrainedOnce(QuantPolicy.For<Conv2d>().Use<APoTConv>(w: 4, a: 32));
        Tensor images = Images(4, 3, 32);

        (float[] expected, float[] actual, OnnxExportReport report) = Compare(classifier, images, GraphOptimizationLevel.ORT_ENABLE_EXTENDED);

        Assert.All(report.Layers, l => Assert.Equal("float holding the quantized values", l.Weight));
        Assert.All(report.Layers, l => Assert.Contains(l.Notes, n => n.Contains("power-of-two levels", StringComparison.Ordinal)));
        AssertClose(expected, actual, 1e-4);
        OnnxExportException strict = Assert.Throws<OnnxExportException>(
            () => classifier.ToOnnx(new OnnxExportOptions { SampleInput = images, Strict = true }));
        Assert.Equal("backbone.conv1.weight_quantizer", strict.Path);
    }

    [Fact]
    public void A_batch_norm_after_a_quantized_convolution_folds_into_its_scales_and_bias()
    {
        using var scope = NewDisposeScope();
        ImageClassifier classifier = Classifier("""{ "type": "CifarResNet", "depth": 8 }""");
        classifier.Quantize(QuantPolicy.For<Conv2d>().Use<LSQConv>(w: 4, a: 4));
        QuantCalibration.Calibrate(classifier, [Images(8, 3, 32, seed: 3)]);

        (OnnxModel model, OnnxExportReport report) = classifier.ToOnnx(new OnnxExportOptions { InputShape = [2, 3, 32, 32] });

        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType == "BatchNormalization");
        Assert.Equal("backbone.bn1", report.Layers.Single(l => l.Path == "backbone.conv1").FoldedNorm);
        Assert.All(report.Layers.Where(l => l.LayerType == nameof(LSQConv)), l => Assert.NotNull(l.FoldedNorm));
    }

    [Fact]
    public void Quantized_outputs_make_every_convolution_with_a_quantized_input_an_integer_kernel()
    {
        using var scope = NewDisposeScope();
        ImageClassifier classifier = TrainedOnce(QuantPolicy.For<Conv2d>().Use<LSQConv>(w: 4, a: 4));
        classifier.eval();
        Tensor images = Images(16, 3, 32, seed: 4);

        (OnnxModel plain, _) = classifier.ToOnnx(new OnnxExportOptions { SampleInput = images });
        (OnnxModel quantized, OnnxExportReport report) = classifier.ToOnnx(new OnnxExportOptions { SampleInput = images, QuantizeConvolutionOutputs = true });

        // CifarResNet-8: the stem, 3 blocks of two convolutions, 2 downsamples. Only the blocks' first convolutions
        // reach nothing but a quantizer; the stem's ReLU also feeds the first block's addition, the second convolutions
        // and the downsamples feed additions.
        Assert.Equal(3, CountQLinearConv(plain));
        Assert.Equal(9, CountQLinearConv(quantized));
        string[] noted = [.. report.Layers.Where(l => l.Notes.Any(n => n.StartsWith("output quantized", StringComparison.Ordinal))).Select(l => l.Path)];
        Assert.Equal(6, noted.Length);
        Assert.Contains("backbone.conv1", noted);
        Assert.Contains("backbone.layer1.0.conv2", noted);
        float[] expected = classifier.call(images).data<float>().ToArray();
        float[] actual = OnnxRuntimeHarness.Run(
            OnnxModelWriter.ToBytes(quantized), new Dictionary<string, (float[], long[])> { ["input"] = (images.data<float>().ToArray(), images.shape) },
            GraphOptimizationLevel.ORT_ENABLE_EXTENDED)["output"].Data;
        AssertClose(expected, actual, 0.5);
    }

    private static int CountQLinearConv(OnnxModel model) =>
        OnnxRuntimeHarness.OptimizedOpTypes(OnnxModelWriter.ToBytes(model), GraphOptimizationLevel.ORT_ENABLE_EXTENDED).Count(o => o.EndsWith("QLinearConv", StringComparison.Ordinal));

    [Fact]
    public void Modules_named_like_the_graphs_input_or_output_do_not_take_their_names()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var model = nn.Sequential(("input", nn.Linear(4, 6)), ("output", nn.Linear(6, 2)));
        Tensor x = randn(3, 4);

        (OnnxModel onnx, _) = model.ToOnnx(new OnnxExportOptions { SampleInput = x });
        float[] actual = OnnxRuntimeHarness.Run(
            OnnxModelWriter.ToBytes(onnx), new Dictionary<string, (float[], long[])> { ["input"] = (x.data<float>().ToArray(), x.shape) },
            GraphOptimizationLevel.ORT_DISABLE_ALL)["output"].Data;

        Assert.Equal("output", Assert.Single(onnx.Graph.Outputs).Name);
        Assert.Single(onnx.Graph.Nodes, n => n.Outputs.Contains("output"));
        AssertClose(model.call(x).data<float>().ToArray(), actual, 1e-5);
    }

    [Fact]
    public void Four_bit_codes_spread_over_the_int8_container_on_a_sixteenth_of_the_scale()
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(("conv", nn.Conv2d(2, 3, 3)));
        model.Quantize(QuantPolicy.For<Conv2d>().Use<LSQConv>(w: 4, a: 32));
        var layer = (QuantizedConv2d)model.named_children().Single().module;
        QuantCalibration.Calibrate(model, [Images(2, 2, 8)]);
        QuantGrid grid = ((IExportableQuantizer)layer.WeightQuantizer).ExportGrid(layer.weight, out _)!;

        (OnnxModel onnx, _) = model.ToOnnx(new OnnxExportOptions { InputShape = [1, 2, 8, 8] });

        OnnxTensor codes = onnx.Graph.Initializers.Single(t => t.Name == "conv.weight_codes");
        OnnxTensor scales = onnx.Graph.Initializers.Single(t => t.Name == "conv.weight_scale");
        Assert.Equal(OnnxDataType.Int8, codes.DataType);
        Assert.Equal(grid.Codes!.Select(c => c * 16), codes.ToInt32s());
        Assert.Equal(Enumerable.Repeat(grid.Scales[0] / 16, 3), scales.ToFloats());
        Assert.Contains(codes.ToInt32s(), c => Math.Abs(c) > 8);
    }

    private static QuantPolicyBuilder Policy(string method)
    {
        TypeRuleBuilder conv = QuantPolicy.For<Conv2d>();
        return method switch
        {
            "LSQ" => conv.Use<LSQConv>(w: 4, a: 4),
            "LSQPlus" => conv.Use<LSQPlusConv>(w: 4, a: 4),
            "DSQ" => conv.Use<DSQConv>(w: 4, a: 4),
            "DoReFa" => conv.Use<DoReFaConv>(w: 4, a: 4),
            "PACT" => conv.Use<PACTConv>(w: 4, a: 4),
            "Uniform" => conv.Use<UniformConv>(w: 4, a: 4),
            _ => conv.Use<EightBitConv>(w: 8, a: 8),
        };
    }

    // A CifarResNet-8 classifier quantized by policy whose quantizers initialised on one training batch.
    private static ImageClassifier TrainedOnce(QuantPolicy policy)
    {
        manual_seed(1);
        ImageClassifier classifier = Classifier("""{ "type": "CifarResNet", "depth": 8 }""");
        classifier.Quantize(policy);
        classifier.train();
        classifier.call(Images(8, 3, 32, seed: 3)).Dispose();
        return classifier;
    }

    private static ImageClassifier Classifier(string json)
    {
        Backbone backbone = FromJson(json);
        return new ImageClassifier(backbone, backbone is LeNet5 ? null : new GlobalAveragePooling(),
            new LinearClsHead(new LinearClsHeadOptions { NumClasses = 5, InChannels = backbone.OutChannels }));
    }

    // With alignBiases, the classifier first takes the int32 biases the export gives its integer convolutions.
    private static (float[] Expected, float[] Actual, OnnxExportReport Report) Compare(
        ImageClassifier classifier, Tensor images, GraphOptimizationLevel level, bool alignBiases = false)
    {
        (OnnxModel model, OnnxExportReport report) = classifier.ToOnnx(new OnnxExportOptions { SampleInput = images });
        if (alignBiases)
        {
            classifier.AlignBiasesToIntegerGrid(new OnnxExportOptions { SampleInput = images });
        }

        classifier.eval();
        float[] expected = classifier.call(images).data<float>().ToArray();
        float[] actual = OnnxRuntimeHarness.Run(OnnxModelWriter.ToBytes(model), new Dictionary<string, (float[], long[])> { ["input"] = (images.data<float>().ToArray(), images.shape) }, level)["output"].Data;
        return (expected, actual, report);
    }

    private static void AssertClose(float[] expected, float[] actual, double relative)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1e-3, expected.Max(Math.Abs));
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= relative * scale, $"largest difference {worst:G4} for logits up to {scale:G4}");
    }
}
