using QQuant.Export;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Quantizers.Properties.PropertySupport;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Operations;

using Lsq = QQuant.Quantizers.Lsq;

/// <summary>
/// Schemes on whole models: <c>For&lt;Convolution&gt;().Use&lt;Lsq&gt;</c> on TorchVision's resnet18 builds what the
/// per-layer names build, and a model with a Conv1d encoder and a ConvTranspose2d decoder quantizes, trains, saves and
/// loads, and refuses ONNX export with an error naming the layer.
/// </summary>
public class SchemeModelTests
{
    [Fact]
    public void A_scheme_on_Convolution_quantizes_resnet18_as_the_per_layer_names_do()
    {
        using var scope = NewDisposeScope();
        nn.Module<Tensor, Tensor> bySchemeModel = torchvision.models.resnet18(num_classes: 10);
        nn.Module<Tensor, Tensor> byNameModel = torchvision.models.resnet18(num_classes: 10);
        byNameModel.load_state_dict(bySchemeModel.state_dict());

        QuantizationReport byScheme = bySchemeModel.Quantize(
            QuantPolicy.For<Convolution>().Use<Lsq>(4, 4).For<Linear>().Use<Lsq>(8, 8));
        QuantizationReport byName = byNameModel.Quantize(
            QuantPolicy.For<Conv2d>().Use<LSQConv>(4, 4).For<Linear>().Use<LSQLinear>(8, 8));

        Assert.Equal(20, byScheme.Layers.Count(l => l.NewType == "LSQConv"));
        Assert.Equal(1, byScheme.Layers.Count(l => l.NewType == "LSQLinear"));
        Assert.Equal(byName.Layers.Select(l => (l.Name, l.NewType, l.WeightBits)), byScheme.Layers.Select(l => (l.Name, l.NewType, l.WeightBits)));
        Assert.All(bySchemeModel.modules().OfType<QuantizedLayer>(), l => Assert.Same(Lsq.Instance, l.Scheme));
        Assert.Equal(byName.Layers.Count, byScheme.Layers.Count);

        using var generator = new Generator(3);
        Tensor x = randn([2, 3, 32, 32], generator: generator);
        bySchemeModel.train();
        byNameModel.train();
        Tensor a = bySchemeModel.call(x), b = byNameModel.call(x);
        Close(b, a, 0);
        a.sum().backward();
        Assert.All(bySchemeModel.parameters(), p => Assert.True(p.grad is null || p.grad.isfinite().all().item<bool>()));
        Assert.Equal(byNameModel.state_dict().Keys.Order(), bySchemeModel.state_dict().Keys.Order());
    }

    [Fact]
    public void A_model_with_conv1d_and_a_transposed_conv2d_quantizes_trains_and_reloads()
    {
        using var scope = NewDisposeScope();
        var model = new SignalToImage();
        Reseed(model, 4);
        QuantPolicy policy = QuantPolicy.For<Convolution>().Use<Lsq>(4, 4).For<Linear>().Use<EightBitLinear>(8, 8);

        QuantizationReport report = model.Quantize(policy);

        Assert.Equal(
            [("encoder", "LSQConv1d"), ("decoder", "LSQConvTranspose2d"), ("head", "EightBitLinear")],
            report.Layers.Where(l => l.Decision == QuantDecision.Quantized).Select(l => (l.Name, l.NewType!)));
        using var generator = new Generator(5);
        Tensor x = randn([12, 2, 16], generator: generator);
        Tensor y = (rand([12], generator: generator) * 3).floor().to(int64);
        model.train();
        using var optimizer = optim.Adam(model.parameters(), 0.01);
        double first = 0, last = 0;
        for (int step = 0; step < 40; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            Tensor loss = nn.functional.cross_entropy(model.call(x), y);
            loss.backward();
            optimizer.step();
            last = loss.item<float>();
            first = step == 0 ? last : first;
        }

        Assert.True(last < 0.7 * first, $"the loss went from {first} to {last}");
        model.eval();
        var reloaded = new SignalToImage();
        reloaded.Quantize(policy);
        reloaded.load_state_dict(model.state_dict());
        reloaded.eval();
        Close(model.call(x), reloaded.call(x), 0);
    }

    [Fact]
    public void A_json_policy_names_a_scheme_by_its_name_and_gives_its_bits()
    {
        QuantPolicy bound = Configuration.ConfigurationTestSupport.Bind("""
            { "quantTransformer": { "policy": {
                "Convolution": { "type": "lsq", "w": 4, "a": 4, "perChannelWeights": true },
                "Linear": { "type": "EightBit", "w": 8, "a": 8 } } } }
            """);

        Assert.Equal(
            QuantPolicy.For<Convolution>().Use<Lsq>(4, 4, o => o.PerChannelWeights = true)
                .For<Linear>().Use<EightBit>(8, 8).Build(),
            bound);
        var missingBits = Configuration.ConfigurationTestSupport.BindFails(
            """{ "quantTransformer": { "policy": { "Conv1d": { "type": "DSQ" } } } }""");
        Assert.Equal("quantTransformer:policy:Conv1d: needs \"w\" (weight bits) and \"a\" (activation bits)", Assert.Single(missingBits.Problems));
    }

    [Fact]
    public void Onnx_export_of_an_operation_without_an_emitter_names_the_layer()
    {
        using var scope = NewDisposeScope();
        Sequential model = nn.Sequential(("encoder", nn.Conv1d(2, 4, 3, padding: 1)), ("flatten", nn.Flatten()), ("head", nn.Linear(64, 3)));
        model.Quantize(QuantPolicy.For<Convolution>().Use<Lsq>(4, 4).For<Linear>().Use<LSQLinear>(8, 8));
        QuantCalibration.Calibrate(model, [randn(4, 2, 16)]);
        model.eval();

        var error = Assert.Throws<OnnxExportException>(() => model.ToOnnx(new OnnxExportOptions { InputShape = [1, 2, 16] }));

        Assert.Equal("encoder", error.Path);
        Assert.Contains("QuantizedConv1d", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A Conv1d over 16-step signals, reshaped to 4×4 maps and decoded by a stride-2 ConvTranspose2d, then a linear head.</summary>
    private sealed class SignalToImage : nn.Module<Tensor, Tensor>
    {
        private nn.Module<Tensor, Tensor> encoder = nn.Conv1d(2, 4, 3, padding: 1);
        private nn.Module<Tensor, Tensor> decoder = nn.ConvTranspose2d(4, 2, 2, stride: 2);
        private nn.Module<Tensor, Tensor> head = nn.Linear(2 * 8 * 8, 3);

        public SignalToImage() : base(nameof(SignalToImage)) => RegisterComponents();

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            Tensor features = nn.functional.relu(encoder.call(input)).view(-1, 4, 4, 4);
            Tensor image = nn.functional.relu(decoder.call(features));
            return head.call(image.flatten(1)).MoveToOuterDisposeScope();
        }
    }

    [Fact]
    public void A_layer_built_with_another_schemes_options_is_refused_and_plain_options_keep_their_settings()
    {
        using var scope = NewDisposeScope();
        using var conv = nn.Conv2d(2, 3, 3);

        // PACT's options on a uniform layer would lose uniform's own settings without a word.
        var refused = Assert.Throws<QuantPolicyException>(() => new QuantizedConv2d(conv, QQuant.Quantizers.Uniform.Instance, new QuantLayerSettings(4, 4, new ClipOptions())));
        Assert.Contains("Uniform takes UniformOptions, not ClipOptions", refused.Message);

        // Plain options: their sign reaches the quantizer, the scheme's own settings take its defaults.
        using var layer = new QuantizedConv2d(conv, Pact.Instance, new QuantLayerSettings(4, 4, new QuantLayerOptions { ActivationSign = ActivationSign.Signed }));
        var input = Assert.IsType<PactQuantizer>(layer.InputQuantizer);
        Assert.Equal(ActivationSign.Signed, input.Sign);
    }
}
