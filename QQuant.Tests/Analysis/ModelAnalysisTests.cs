using QQuant.Analysis;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Analysis;

public sealed class ModelAnalysisTests
{
    private static Sequential Net(ulong seed) => AnalysisTestModels.Net(seed);

    private static Tensor Images(ulong seed, long count = 6) => AnalysisTestModels.Images(seed, count);

    private static (Sequential Float, Sequential Quantized) Pair(Tensor calibration) => AnalysisTestModels.Pair(3, calibration);

    [Fact]
    public void Every_quantized_layer_is_analysed_in_module_order_with_its_types_and_bits()
    {
        using Tensor x = Images(1);
        (Sequential floatNet, Sequential quantized) = Pair(x);

        ModelAnalysisResult result = ModelAnalysis.Compare(floatNet, quantized, [x]);

        Assert.Equal(["0", "3"], result.Layers.Select(l => l.Name));
        Assert.Equal(["Conv2d", "Linear"], result.Layers.Select(l => l.FloatType));
        Assert.Equal(["LSQConv", "LSQLinear"], result.Layers.Select(l => l.QuantizedType));
        Assert.All(result.Layers, l => Assert.Equal((4, 4), (l.WeightBits, l.InputBits)));
    }

    [Fact]
    public void Weights_compare_the_float_the_latent_and_the_quantized_tensor()
    {
        using Tensor x = Images(1);
        (Sequential floatNet, Sequential quantized) = Pair(x);
        using (no_grad())
        {
            // QAT moved the latent conv weight: add 0.01 to every element.
            ((QuantizedConv2d)quantized[0]).weight.add_(0.01);
        }

        LayerAnalysis conv = ModelAnalysis.Compare(floatNet, quantized, [x]).Layers[0];

        Tensor floatWeight = ((Conv2d)floatNet[0]).weight!;
        Tensor latent = ((QuantizedConv2d)quantized[0]).weight;
        using Tensor q = ((QuantizedConv2d)quantized[0]).QuantizedWeight();
        Assert.Equal(0.01 * 0.01, conv.Weight.FloatVsLatent.Mse, 1e-8);
        Assert.Equal((latent - q).square().mean().to(float64).item<double>(), conv.Weight.LatentVsQuantized.Mse, 1e-9);
        Assert.Equal(floatWeight.min().item<float>(), conv.Weight.Float.Min, 1e-6);
        Assert.Equal(q.max().item<float>(), conv.Weight.Quantized.Max, 1e-6);
        Assert.Equal(1000, conv.Weight.Latent.Shares.Count);
    }

    [Fact]
    public void Inputs_are_what_each_model_fed_the_layer_and_what_the_quantizer_made_of_it()
    {
        using Tensor x = Images(1);
        (Sequential floatNet, Sequential quantized) = Pair(x);

        ModelAnalysisResult result = ModelAnalysis.Compare(floatNet, quantized, [x]);

        // The first layer sees the images in both models.
        LayerAnalysis conv = result.Layers[0];
        Assert.Equal(0, conv.Input.FloatVsLatent.Mse);
        Assert.Equal(double.PositiveInfinity, conv.Input.FloatVsLatent.SqnrDb);
        using Tensor quantizedImages = ((nn.Module<Tensor, Tensor>)((QuantizedConv2d)quantized[0]).InputQuantizer).call(x);
        Assert.Equal(TensorComparison.Of(x, quantizedImages), conv.Input.LatentVsQuantized);

        // The fc sees the flattened ReLU output of each model's own conv.
        using Tensor floatHidden = nn.functional.relu(((Conv2d)floatNet[0]).call(x)).flatten(1);
        using Tensor latentHidden = nn.functional.relu(((QuantizedConv2d)quantized[0]).call(x)).flatten(1);
        Assert.Equal(TensorComparison.Of(floatHidden, latentHidden), result.Layers[1].Input.FloatVsLatent);
        Assert.Equal(floatHidden.max().item<float>(), result.Layers[1].Input.Float.Max, 1e-6);
    }

    [Fact]
    public void Outputs_agree_and_diverge_as_computed_from_both_models_logits_over_every_batch()
    {
        using Tensor first = Images(1);
        using Tensor second = Images(2, count: 5);
        (Sequential floatNet, Sequential quantized) = Pair(first);

        OutputComparison outputs = ModelAnalysis.Compare(floatNet, quantized, [first, second]).Outputs;

        floatNet.eval();
        quantized.eval();
        using var noGrad = no_grad();
        using Tensor all = cat([first, second], 0);
        using Tensor p = floatNet.call(all).to(float64).log_softmax(1);
        using Tensor q = quantized.call(all).to(float64).log_softmax(1);
        double agreement = 100.0 * p.argmax(1).eq(q.argmax(1)).sum().item<long>() / 11;
        double kl = (p.exp() * (p - q)).sum().item<double>() / 11 / Math.Log(2);
        Assert.Equal(11, outputs.Samples);
        Assert.Equal(agreement, outputs.Top1Agreement, 12);
        Assert.Equal(kl, outputs.SoftmaxKlBits, 6); // one batch of 11 against batches of 6 and 5: float32 sums differ slightly
        Assert.True(outputs.SoftmaxKlBits > 0);
    }

    [Fact]
    public void Sizes_count_quantized_weights_at_their_bits_and_everything_else_at_four_bytes()
    {
        using Tensor x = Images(1);
        (Sequential floatNet, Sequential quantized) = Pair(x);

        ModelSize size = ModelAnalysis.Compare(floatNet, quantized, [x]).Size;

        // Conv 4·1·3·3 = 36 weights + 4 biases; fc 3·144 = 432 weights + 3 biases.
        Assert.Equal((36 + 4 + 432 + 3) * 4.0, size.Float32Bytes);
        double quantizerState = quantized.named_parameters().Where(p => p.name.Contains("quantizer", StringComparison.Ordinal)).Sum(p => p.parameter.numel() * 4.0);
        Assert.Equal((36 + 432) * 0.5 + (4 + 3) * 4.0 + quantizerState, size.QuantizedBytes);
    }

    [Fact]
    public void An_unquantized_input_is_reported_at_32_bits_with_nothing_clipped()
    {
        using Tensor x = Images(1);
        Sequential floatNet = Net(3);
        Sequential quantized = Net(3);
        quantized.Quantize(QuantPolicy.For<Conv2d>().Use<EightBitConv>(8, 8, o => o.QuantizeInput = false));

        LayerAnalysis conv = Assert.Single(ModelAnalysis.Compare(floatNet, quantized, [x]).Layers);

        Assert.Equal((8, 32), (conv.WeightBits, conv.InputBits));
        Assert.Equal(0, conv.Input.ClippedShare);
        Assert.Equal(0, conv.Input.LatentVsQuantized.Mse);
    }

    [Fact]
    public void The_quantizer_state_is_reported_by_name_and_training_modes_are_kept()
    {
        using Tensor x = Images(1);
        (Sequential floatNet, Sequential quantized) = Pair(x);
        floatNet.train();
        quantized.train();

        LayerAnalysis conv = ModelAnalysis.Compare(floatNet, quantized, [x]).Layers[0];

        foreach ((string name, Tensor value) in ((nn.Module)quantized[0]).named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Where(p => p.name.Contains("quantizer", StringComparison.Ordinal)))
        {
            Assert.Equal(value.detach().to(float64).reshape(-1).data<double>().ToArray(), conv.QuantizerState[name]);
        }

        Assert.Contains(conv.QuantizerState.Keys, k => k.StartsWith("input_quantizer.", StringComparison.Ordinal));
        Assert.True(floatNet.training && quantized.training);
    }

    [Fact]
    public void A_model_pair_without_a_common_quantized_layer_is_an_error_naming_the_layers()
    {
        using Tensor x = Images(1);
        Sequential floatNet = nn.Sequential(("features", Net(3)));
        (_, Sequential quantized) = Pair(x);

        var e = Assert.Throws<ModelAnalysisException>(() => ModelAnalysis.Compare(floatNet, quantized, [x]));

        Assert.Contains("quantized layers 0, 3", e.Message, StringComparison.Ordinal);
        Assert.Contains("features", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_float_model_as_the_quantized_side_is_an_error()
    {
        using Tensor x = Images(1);

        var e = Assert.Throws<ModelAnalysisException>(() => ModelAnalysis.Compare(Net(1), Net(2), [x]));

        Assert.Contains("has no quantized layer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Layers_with_other_weight_shapes_are_an_error_naming_the_layer_and_both_shapes()
    {
        using Tensor x = Images(1);
        Sequential floatNet = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(288, 3));
        (_, Sequential quantized) = Pair(x);

        var e = Assert.Throws<ModelAnalysisException>(() => ModelAnalysis.Compare(floatNet, quantized, [x]));

        Assert.Contains("Layer '0'", e.Message, StringComparison.Ordinal);
        Assert.Contains("[8, 1, 3, 3]", e.Message, StringComparison.Ordinal);
        Assert.Contains("[4, 1, 3, 3]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_input_batch_is_an_error()
    {
        using Tensor x = Images(1);
        (Sequential floatNet, Sequential quantized) = Pair(x);

        Assert.Throws<ModelAnalysisException>(() => ModelAnalysis.Compare(floatNet, quantized, []));
    }
}
