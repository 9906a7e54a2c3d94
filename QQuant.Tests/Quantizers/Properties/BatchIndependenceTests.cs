using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Quantizers.Properties.PropertySupport;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Properties;

using Lsq = QQuant.Quantizers.Lsq;

/// <summary>
/// In evaluation every scale is fixed state, so a sample's result does not depend on the other samples of its batch:
/// for every registered quantized layer, and for a small CNN quantized with each method, a mixed batch (samples ten
/// times larger, near zero, mostly negative) gives each sample the quantized input and the output it gets alone.
/// </summary>
public class BatchIndependenceTests
{
    private const int Samples = 16;
    private const double RelativeTolerance = 1e-5;
    private const string Training = "two training steps";
    private const string Calibration = "calibration";

    private static readonly QuantLayerRegistry Registry = new QuantLayerRegistry().AddQuantizers();

    /// <summary>(registered layer, how it is initialised).</summary>
    public static IEnumerable<TheoryDataRow<string, string>> LayerCases() =>
        WithEachInitialisation(Registry.Layers.Select(r => r.Name).Order(StringComparer.Ordinal));

    /// <summary>(method of the convolutions, how the model is initialised); the linear layer is always EightBitLinear.</summary>
    public static IEnumerable<TheoryDataRow<string, string>> ModelCases() => WithEachInitialisation(Families.Append("EightBit"));

    private static IEnumerable<TheoryDataRow<string, string>> WithEachInitialisation(IEnumerable<string> names) =>
        names.SelectMany(name => new[] { new TheoryDataRow<string, string>(name, Training), new TheoryDataRow<string, string>(name, Calibration) });

    [Fact]
    public void The_cases_cover_every_registered_scheme_and_layer_name()
    {
        Type[] types = [.. Registry.Layers.Select(r => r.Layer.LayerType).Distinct()];

        Assert.Equal(Registry.Schemes.Count + 16, types.Length);
        Assert.Contains(typeof(Lsq), types);
        Assert.Contains(typeof(EightBitConv), types);
        Assert.Contains(typeof(EightBitLinear), types);
        Assert.Equal(types.Length, LayerCases().Count() / 2);
    }

    [Theory]
    [MemberData(nameof(LayerCases))]
    public void A_layer_in_evaluation_treats_each_sample_as_if_it_were_alone(string layerName, string initialisation)
    {
        using var scope = NewDisposeScope();
        QuantizedLayer layer = BuildLayer(layerName);
        long[] sampleShape = layer is QuantizedConv2d ? [3, 6, 6] : [12];
        Initialise(layer, initialisation, TrainingBatches(sampleShape));
        layer.eval();
        Tensor batch = MixedBatch(sampleShape, seed: 3);
        var inputQuantizer = (nn.Module<Tensor, Tensor>)layer.InputQuantizer;

        // Without gradient recording, capturing what the input quantizer returns.
        (Tensor Output, Tensor QuantizedInput) whole = CapturedForward(layer, inputQuantizer, batch);
        for (int i = 0; i < Samples; i++)
        {
            (Tensor Output, Tensor QuantizedInput) alone = CapturedForward(layer, inputQuantizer, Sample(batch, i));
            Identical(Sample(whole.QuantizedInput, i), alone.QuantizedInput);
            AssertClose(Sample(whole.Output, i), alone.Output, $"{layerName}, sample {i}");
        }

        // With gradient recording, where the layers may run the quantizers' fused passes inside their own node.
        AssertSamplesMatchTheBatch(layer, batch, layerName + ", recording gradients");
    }

    [Theory]
    [MemberData(nameof(ModelCases))]
    public void A_quantized_CNN_in_evaluation_gives_each_sample_the_logits_it_gets_alone(string method, string initialisation)
    {
        using var scope = NewDisposeScope();
        Sequential model = SmallCnn(seed: 7);
        QuantizationReport report = model.Quantize(CnnPolicy(method));
        Assert.Equal(3, report.Count(QuantDecision.Quantized));
        Assert.IsType<QuantizedLinear>(At(model, "fc"));
        Initialise(model, initialisation, TrainingBatches([3, 6, 6]));
        model.eval();

        using var noGrad = no_grad();
        AssertSamplesMatchTheBatch(model, MixedBatch([3, 6, 6], seed: 4), $"{method} CNN");
    }

    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>The registered layer <paramref name="name"/> built from a seeded Conv2d(3, 4, 3, padding 1) or Linear(12, 5), at its registration's default bits.</summary>
    private static QuantizedLayer BuildLayer(string name)
    {
        QuantLayerRegistration registration = Registry.Layers.Single(r => r.Name == name);
        QuantLayerDescriptor descriptor = registration.Layer;
        nn.Module<Tensor, Tensor> source = descriptor.CanConvert(typeof(Conv2d)) ? nn.Conv2d(3, 4, 3, padding: 1) : nn.Linear(12, 5);
        Reseed(source, 5);
        var settings = new QuantLayerSettings(
            registration.Defaults.WeightBits ?? 4, registration.Defaults.ActivationBits ?? 4, descriptor.CreateOptions());
        return Assert.IsAssignableFrom<QuantizedLayer>(descriptor.Create(source, settings));
    }

    /// <summary><c>conv-bn-relu-conv-relu-pool-flatten-linear</c> for 3×6×6 images, seeded.</summary>
    private static Sequential SmallCnn(long seed)
    {
        Sequential model = nn.Sequential(
            ("conv1", nn.Conv2d(3, 8, 3, padding: 1)),
            ("bn", nn.BatchNorm2d(8)),
            ("relu1", nn.ReLU()),
            ("conv2", nn.Conv2d(8, 8, 3, padding: 1)),
            ("relu2", nn.ReLU()),
            ("pool", nn.MaxPool2d(2)),
            ("flatten", nn.Flatten()),
            ("fc", nn.Linear(8 * 3 * 3, 10)));
        Reseed(model, seed);
        return model;
    }

    /// <summary>The method's layers for the convolutions at 4/4 bits (EightBitConv at 8/8), EightBitLinear at 8/8 for the classifier.</summary>
    private static QuantPolicyBuilder CnnPolicy(string method) => method == "EightBit"
        ? QuantPolicy.For<Conv2d>().Use<EightBitConv>(8, 8).For<Linear>().Use<EightBitLinear>(8, 8)
        : Pair(method, 4, 4).Override("fc", r => r.Use<EightBitLinear>(8, 8));

    /// <summary>Two batches of 8 samples of both signs.</summary>
    private static Tensor[] TrainingBatches(long[] sampleShape) =>
        [.. new ulong[] { 1, 2 }.Select(seed => Normal([8, .. sampleShape], seed))];

    /// <summary>
    /// Initialises the quantizers: two SGD steps in training mode (the first forward initialises them, the second
    /// updates running statistics and learned state), or calibration on the same batches.
    /// </summary>
    private static void Initialise(nn.Module<Tensor, Tensor> model, string how, Tensor[] batches)
    {
        if (how == Calibration)
        {
            QuantCalibration.Calibrate(model, batches);
            return;
        }

        model.train();
        using var optimizer = optim.SGD(model.parameters(), 0.01);
        foreach (Tensor batch in batches)
        {
            optimizer.zero_grad();
            model.call(batch).square().mean().backward();
            optimizer.step();
        }
    }

    /// <summary>
    /// 16 samples of different kinds: 4 ten times larger than the rest, 4 near zero (×0.001), 4 mostly negative
    /// (−2|x| + 0.1), 4 plain; interleaved, so neighbours differ.
    /// </summary>
    private static Tensor MixedBatch(long[] sampleShape, ulong seed)
    {
        using var scope = NewDisposeScope();
        Tensor x = Normal([Samples, .. sampleShape], seed);
        Tensor[] samples = [.. Enumerable.Range(0, Samples).Select(i => (i % 4) switch
        {
            0 => x[i] * 10,
            1 => x[i] * 1e-3,
            2 => -2 * x[i].abs() + 0.1,
            _ => x[i],
        })];
        return stack(samples).MoveToOuterDisposeScope();
    }

    private static Tensor Normal(long[] shape, ulong seed)
    {
        using var generator = new Generator(seed);
        return randn(shape, generator: generator);
    }

    private static Tensor Sample(Tensor batch, int i) => batch.narrow(0, i, 1);

    /// <summary>The layer's output on <paramref name="x"/> without gradient, and what its input quantizer returned.</summary>
    private static (Tensor Output, Tensor QuantizedInput) CapturedForward(
        QuantizedLayer layer, nn.Module<Tensor, Tensor> inputQuantizer, Tensor x)
    {
        Tensor? captured = null;
        var hook = inputQuantizer.register_forward_hook((_, _, output) =>
        {
            // The hook runs inside the layer's dispose scope, which would free the copy when the forward returns.
            captured = output.detach().clone().DetachFromDisposeScope();
            return output;
        });
        try
        {
            using var noGrad = no_grad();
            Tensor output = layer.call(x);
            return (output, captured ?? throw new InvalidOperationException("the input quantizer was not called"));
        }
        finally
        {
            hook.remove();
        }
    }

    /// <summary>Each sample of <paramref name="batch"/>, evaluated alone, gives the output it got in the batch.</summary>
    private static void AssertSamplesMatchTheBatch(nn.Module<Tensor, Tensor> model, Tensor batch, string what)
    {
        Tensor whole = model.call(batch);
        for (int i = 0; i < Samples; i++)
        {
            AssertClose(Sample(whole, i), model.call(Sample(batch, i)), $"{what}, sample {i}");
        }
    }

    /// <summary>Equal within <see cref="RelativeTolerance"/> of the largest magnitude of <paramref name="expected"/>.</summary>
    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        double scale = expected.abs().max().ToDouble();
        double difference = (expected - actual).abs().max().ToDouble();
        Assert.True(
            difference <= RelativeTolerance * scale,
            $"{what}: alone it differs from its result in the batch by {difference:G3} (scale {scale:G3})");
    }
}
