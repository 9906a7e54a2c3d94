using QQuant.Analysis;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Analysis;

public sealed class SensitivityAnalysisTests
{
    private static Tensor Images(ulong seed) => AnalysisTestModels.Images(seed, count: 16);

    /// <summary>2-bit weights and inputs, so that quantizing either layer visibly changes the outputs.</summary>
    private static (Sequential Float, Sequential Quantized) Pair(Tensor calibration) => AnalysisTestModels.Pair(5, calibration, bits: 2);

    private static double KlBits(Tensor floatLogits, Tensor logits)
    {
        using Tensor p = floatLogits.to(float64).log_softmax(1);
        using Tensor q = logits.to(float64).log_softmax(1);
        return (p.exp() * (p - q)).sum().item<double>() / floatLogits.shape[0] / Math.Log(2);
    }

    [Fact]
    public void Only_one_layer_quantized_is_scored_as_the_float_model_with_that_layer_swapped()
    {
        using Tensor x = Images(1);
        (Sequential floatNet, Sequential quantized) = Pair(x);
        floatNet.eval();
        quantized.eval();
        using var noGrad = no_grad();
        using Tensor floatLogits = floatNet.call(x);
        using Tensor labels = floatLogits.argmax(1);
        // Float conv, quantized fc, built by hand from the two models' layers.
        using Tensor onlyFc = ((nn.Module<Tensor, Tensor>)quantized[3]).call(nn.functional.relu(((nn.Module<Tensor, Tensor>)floatNet[0]).call(x)).flatten(1));

        SensitivityResult result = SensitivityAnalysis.Measure(floatNet, quantized, [x], [labels]);

        LayerSensitivity fc = result.Layers.Single(l => l.Name == "3");
        Assert.Equal(KlBits(floatLogits, onlyFc), fc.OnlyThisQuantized.KlBits, 12);
        Assert.Equal(100.0 * onlyFc.argmax(1).eq(labels).sum().item<long>() / 16, fc.OnlyThisQuantized.Top1, 12);
        Assert.True(fc.OnlyThisQuantized.KlBits > 0);
    }

    [Fact]
    public void In_a_two_layer_net_one_layer_alone_is_the_other_left_float()
    {
        using Tensor x = Images(1);
        (Sequential floatNet, Sequential quantized) = Pair(x);

        SensitivityResult result = SensitivityAnalysis.Measure(floatNet, quantized, [x]);

        LayerSensitivity conv = result.Layers.Single(l => l.Name == "0");
        LayerSensitivity fc = result.Layers.Single(l => l.Name == "3");
        Assert.Equal(conv.OnlyThisQuantized.KlBits, fc.AllButThisQuantized.KlBits, 12);
        Assert.Equal(fc.OnlyThisQuantized.KlBits, conv.AllButThisQuantized.KlBits, 12);
        Assert.True(double.IsNaN(conv.OnlyThisQuantized.Top1));
    }

    [Fact]
    public void The_whole_models_are_scored_for_reference_and_the_layers_that_hurt_most_come_first()
    {
        using Tensor x = Images(1);
        using Tensor y = Images(2);
        (Sequential floatNet, Sequential quantized) = Pair(x);
        Tensor[] labels;
        using (no_grad())
        {
            floatNet.eval();
            labels = [floatNet.call(x).argmax(1), floatNet.call(y).argmax(1)];
        }

        SensitivityResult result = SensitivityAnalysis.Measure(floatNet, quantized, [x, y], labels);

        Assert.Equal(100, result.Float.Top1);
        Assert.Equal(0, result.Float.KlBits, 12);
        OutputComparison outputs = ModelAnalysis.Compare(floatNet, quantized, [x, y]).Outputs;
        Assert.Equal(outputs.SoftmaxKlBits, result.Quantized.KlBits, 9);
        Assert.Equal(outputs.Top1Agreement, result.Quantized.Top1, 9);
        Assert.True(result.Layers[0].OnlyThisQuantized.Top1 <= result.Layers[1].OnlyThisQuantized.Top1);
    }

    [Fact]
    public void Models_are_unchanged_afterwards_and_keep_their_modes()
    {
        using Tensor x = Images(1);
        (Sequential floatNet, Sequential quantized) = Pair(x);
        quantized.eval();
        Tensor before;
        using (no_grad())
        {
            before = quantized.call(x);
        }

        floatNet.train();
        SensitivityAnalysis.Measure(floatNet, quantized, [x]);

        using (no_grad())
        {
            using Tensor after = quantized.call(x);
            Assert.Equal(0, (before - after).abs().max().item<float>());
        }

        Assert.True(floatNet.training);
        Assert.False(quantized.training);
        before.Dispose();
    }

    [Fact]
    public void Labels_that_do_not_match_the_batches_are_an_error_with_both_counts()
    {
        using Tensor x = Images(1);
        (Sequential floatNet, Sequential quantized) = Pair(x);

        var e = Assert.Throws<ModelAnalysisException>(() => SensitivityAnalysis.Measure(floatNet, quantized, [x], []));

        Assert.Contains("got 1 batches and 0 label tensors", e.Message, StringComparison.Ordinal);
        Assert.Throws<ModelAnalysisException>(() => SensitivityAnalysis.Measure(floatNet, quantized, []));
    }

    [Theory]
    [InlineData(-1, "class index -1")]
    [InlineData(3, "class index 3")]
    public void A_label_outside_the_models_classes_is_an_error_naming_it(long label, string expected)
    {
        using Tensor x = Images(1);
        (Sequential floatNet, Sequential quantized) = Pair(x);
        using Tensor labels = full(16, label, int64);

        var e = Assert.Throws<ModelAnalysisException>(() => SensitivityAnalysis.Measure(floatNet, quantized, [x], [labels]));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("0..2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_label_batch_of_the_wrong_length_is_an_error_naming_both_shapes()
    {
        using Tensor x = Images(1);
        (Sequential floatNet, Sequential quantized) = Pair(x);
        using Tensor labels = zeros(15, int64);

        var e = Assert.Throws<ModelAnalysisException>(() => SensitivityAnalysis.Measure(floatNet, quantized, [x], [labels]));

        Assert.Contains("shape [15]", e.Message, StringComparison.Ordinal);
        Assert.Contains("shape [16]", e.Message, StringComparison.Ordinal);
    }
}
