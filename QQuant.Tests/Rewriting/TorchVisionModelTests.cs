using System.Diagnostics;
using QQuant;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Rewriting;

/// <summary>
/// The 8-bit policy applied to real TorchVision models: every Conv2d and Linear is replaced in place, the float
/// checkpoint layout survives, the model still runs (close to the float model) and trains, and a second pass is a
/// no-op. One test per model keeps each model built once; the inputs are tiny (32x32) to keep the run short.
/// </summary>
public class TorchVisionModelTests(ITestOutputHelper output)
{
    /// <summary>
    /// Model name, the name of its first convolution and its Conv2d and Linear counts (all read from named_modules
    /// and checked again below), batch size.
    /// </summary>
    public static TheoryData<string, string, int, int, int> Models() => new()
    {
        { "resnet18", "conv1", 20, 1, 2 },
        { "resnet50", "conv1", 53, 1, 2 },
        { "mobilenet_v2", "features.0.0", 52, 1, 2 },
        { "vgg11_bn", "features.0", 8, 3, 1 },
    };

    private static nn.Module<Tensor, Tensor> Build(string model) => model switch
    {
        "resnet18" => torchvision.models.resnet18(num_classes: 10),
        "resnet50" => torchvision.models.resnet50(num_classes: 10),
        "mobilenet_v2" => torchvision.models.mobilenet_v2(num_classes: 10),
        "vgg11_bn" => torchvision.models.vgg11_bn(num_classes: 10),
        _ => throw new ArgumentException(model),
    };

    private static QuantPolicy Policy(string firstConv) =>
        QuantPolicy.For<Conv2d>().Use<EightBitConv>(8, 8)
            .For<Linear>().Use<EightBitLinear>(8, 8)
            .Override(firstConv, r => r.Use<EightBitConv>(8, 8, o => o.QuantizeInput = false));

    [Theory]
    [MemberData(nameof(Models))]
    public void The_8_bit_policy_quantizes_every_conv_and_linear_of_a_torchvision_model(
        string modelName, string firstConv, int expectedConvs, int expectedLinears, int batch)
    {
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var model = Build(modelName);
        var replaced = new List<nn.Module>();
        try
        {
            // ---- Before: the float model. ----
            model.eval();
            output.WriteLine($"{modelName}: built after {clock.Elapsed.TotalSeconds:F1} s");
            List<(string Name, nn.Module Module)> floatModules = model.named_modules().Select(m => (m.name, m.module)).ToList();
            List<(string Name, nn.Module Module)> floatLayers =
                floatModules.Where(m => m.Module is Conv2d or Linear).ToList();
            replaced.AddRange(floatLayers.Select(m => m.Module));
            int convs = floatLayers.Count(m => m.Module is Conv2d);
            int linears = floatLayers.Count(m => m.Module is Linear);
            Assert.Equal(expectedConvs, convs);
            Assert.Equal(expectedLinears, linears);
            Assert.Equal(firstConv, floatLayers.First(m => m.Module is Conv2d).Name);

            Dictionary<string, Tensor> floatState = model.state_dict();
            List<string> floatKeys = floatState.Keys.ToList();
            int floatParameterCount = model.parameters().Count();
            long floatParameterElements = model.parameters().Sum(p => p.numel());

            using var generator = new Generator(42);
            Tensor x = randn([batch, 3, 32, 32], generator: generator);
            Tensor floatOut;
            using (no_grad())
            {
                floatOut = model.call(x);
            }

            // ---- Quantize. ----
            output.WriteLine($"{modelName}: float forward after {clock.Elapsed.TotalSeconds:F1} s");
            QuantizationReport report = model.Quantize(Policy(firstConv));

            Assert.True(report.Applied);
            Assert.Equal(convs + linears, report.Count(QuantDecision.Quantized));
            Assert.Equal(0, report.Count(QuantDecision.AlreadyQuantized));
            Assert.Equal(
                floatLayers.Select(m => m.Name).Order(StringComparer.Ordinal),
                report.Layers.Where(l => l.Decision == QuantDecision.Quantized).Select(l => l.Name).Order(StringComparer.Ordinal));
            LayerDecision firstRow = Assert.Single(report.Layers, l => l.Name == firstConv);
            Assert.Equal($"Override(\"{firstConv}\")", firstRow.Rule);
            Assert.False(firstRow.InputQuantized);
            Assert.All(
                report.Layers.Where(l => l.Decision == QuantDecision.Quantized && l.Name != firstConv),
                l => Assert.True(l.InputQuantized));
            Assert.All(report.Layers.Where(l => l.Decision != QuantDecision.Quantized), l => Assert.Equal(QuantDecision.NoRule, l.Decision));

            // ---- After: no float Conv2d/Linear left, every former name holds its 8-bit layer. ----
            Dictionary<string, nn.Module> after = model.named_modules().ToDictionary(m => m.name, m => m.module);
            Assert.DoesNotContain(after.Values, m => m is Conv2d or Linear);
            // Same names in the same order, plus each new layer's two quantizers right after it.
            var layerNames = floatLayers.Select(m => m.Name).ToHashSet();
            List<string> expectedNames = floatModules
                .SelectMany(m => layerNames.Contains(m.Name)
                    ? new[] { m.Name, $"{m.Name}.weight_quantizer", $"{m.Name}.input_quantizer" }
                    : new[] { m.Name })
                .ToList();
            Assert.Equal(expectedNames.Order(StringComparer.Ordinal), after.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(floatModules.Select(m => m.Name), after.Keys.Where(k => !k.EndsWith("_quantizer", StringComparison.Ordinal)));
            foreach (var (name, module) in floatLayers)
            {
                nn.Module now = after[name];
                if (module is Conv2d)
                {
                    var conv = Assert.IsType<QuantizedConv2d>(now);
                    Assert.Equal(name == firstConv ? typeof(IdentityQuantizer) : typeof(RunningMaxAbsQuantizer), conv.InputQuantizer.GetType());
                }
                else
                {
                    Assert.IsType<RunningMaxAbsQuantizer>(Assert.IsType<QuantizedLinear>(now).InputQuantizer);
                }

                var layer = (QuantizedLayer)now;
                Assert.False(layer.training);
                Assert.Equal(8, layer.WeightQuantizer.Bits);
            }

            // Everything that was not a Conv2d/Linear (containers included) is the same instance as before.
            foreach (var (name, module) in floatModules.Where(m => m.Module is not (Conv2d or Linear)))
            {
                Assert.Same(module, after[name]);
            }

            // ---- The float checkpoint layout survives. ----
            Dictionary<string, Tensor> quantizedState = model.state_dict();
            Assert.Empty(floatKeys.Except(quantizedState.Keys));
            Assert.All(quantizedState.Keys.Except(floatKeys), k => Assert.Contains("_quantizer.", k));
            var (missing, unexpected) = model.load_state_dict(floatState, strict: false);
            Assert.Empty(unexpected);
            Assert.All(missing, k => Assert.Contains("_quantizer.", k));
            foreach (string key in floatKeys)
            {
                Assert.True(floatState[key].eq(quantizedState[key]).all().ToBoolean(), $"{key} changed value");
            }

            // Neither MaxAbs nor the running maximum has parameters (the running maximum has buffers), so the count and
            // the sizes are unchanged.
            int quantizerParameters = after.Values.OfType<IQuantizedLayer>()
                .Sum(l => ((nn.Module)l.WeightQuantizer).parameters().Count() + ((nn.Module)l.InputQuantizer).parameters().Count());
            Assert.Equal(0, quantizerParameters);
            Assert.Equal(floatParameterCount + quantizerParameters, model.parameters().Count());
            Assert.Equal(floatParameterElements, model.parameters().Sum(p => p.numel()));

            // ---- Forward in eval mode: close to the float model (8-bit weights and inputs). ----
            // Evaluation needs the inputs' running maxima: calibrate on the batch first (modes are kept).
            Assert.Throws<QuantizerStateException>(() => model.call(x));
            QuantCalibration.Calibrate(model, [x]);
            Assert.All(after.Values.OfType<QuantizedLayer>(), l => Assert.False(l.training));
            Tensor quantOut;
            using (no_grad())
            {
                quantOut = model.call(x);
            }

            Assert.Equal(floatOut.shape, quantOut.shape);
            Assert.Equal(new long[] { batch, 10 }, quantOut.shape);
            double scale = floatOut.abs().max().ToDouble();
            double error = (quantOut - floatOut).abs().max().ToDouble();
            double relativeL2 = ((quantOut - floatOut).norm() / floatOut.norm()).ToDouble();
            output.WriteLine($"{modelName}: {convs} Conv2d + {linears} Linear; |float out| max {scale:G4}, max |quantized - float| {error:G4} ({error / scale:P2}), relative L2 {relativeL2:P2}");
            Assert.True(double.IsFinite(error));
            Assert.True(error > 0, "8-bit quantization should change the output a little");
            // 8-bit weights and inputs through 10 to 50 random layers (eval-mode BatchNorm with fresh statistics) move
            // the logits by 2-11 % of their scale in repeated runs (torchvision initialises from the global RNG, so each
            // run differs); a rewrite that lost or scrambled weights would be off by 100 % or more.
            Assert.True(error <= 0.25 * scale, $"{modelName}: 8-bit output differs by {error:G4}, output scale {scale:G4}");
            Assert.True(relativeL2 <= 0.25, $"{modelName}: relative L2 error {relativeL2:P2}");

            // ---- Backward: every quantized weight gets a gradient. ----
            output.WriteLine($"{modelName}: quantized and compared after {clock.Elapsed.TotalSeconds:F1} s");
            Tensor loss = nn.functional.cross_entropy(model.call(x), arange(batch, dtype: int64));
            loss.backward();
            foreach (var (name, _) in floatLayers)
            {
                var layer = (QuantizedLayer)after[name];
                Assert.True(layer.weight.grad is not null, $"{name}.weight got no gradient");
                Assert.True(layer.weight.grad!.isfinite().all().ToBoolean(), $"{name}.weight has a non-finite gradient");
                if (layer.bias is not null)
                {
                    Assert.True(layer.bias.grad is not null, $"{name}.bias got no gradient");
                }
            }

            // The replaced float layers are out of the graph.
            Assert.All(floatLayers, m => Assert.Null(m.Module is Conv2d c ? c.weight.grad : ((Linear)m.Module).weight.grad));
            model.zero_grad();

            // ---- A second pass changes nothing. ----
            output.WriteLine($"{modelName}: backward after {clock.Elapsed.TotalSeconds:F1} s");
            List<(string Name, nn.Module Module)> beforeSecond = model.named_modules().Select(m => (m.name, m.module)).ToList();
            QuantizationReport again = model.Quantize(Policy(firstConv));

            Assert.Equal(convs + linears, again.Count(QuantDecision.AlreadyQuantized));
            Assert.Equal(0, again.Count(QuantDecision.Quantized));
            Assert.Equal(
                floatLayers.Select(m => m.Name).Order(StringComparer.Ordinal),
                again.Layers.Where(l => l.Decision == QuantDecision.AlreadyQuantized).Select(l => l.Name).Order(StringComparer.Ordinal));
            Assert.False(Assert.Single(again.Layers, l => l.Name == firstConv).InputQuantized);
            List<(string Name, nn.Module Module)> afterSecond = model.named_modules().Select(m => (m.name, m.module)).ToList();
            Assert.Equal(beforeSecond.Select(m => m.Name), afterSecond.Select(m => m.Name));
            Assert.All(beforeSecond.Zip(afterSecond), pair => Assert.Same(pair.First.Module, pair.Second.Module));
            using (no_grad())
            {
                Assert.True(model.call(x).eq(quantOut).all().ToBoolean(), "the second pass changed the output");
            }
        }
        finally
        {
            model.Dispose();
            replaced.ForEach(m => m.Dispose());
            output.WriteLine($"{modelName}: {clock.Elapsed.TotalSeconds:F1} s");
        }
    }
}
