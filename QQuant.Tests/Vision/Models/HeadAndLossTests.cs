using QQuant.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Tests.Vision.Models;

public class HeadAndLossTests
{
    private static Tensor Logits() => tensor(new double[] { 1, 2, 3, 0, 0, 0 }, [2, 3], float64);

    private static Tensor Labels() => tensor(new long[] { 2, 1 });

    [Fact]
    public void Cross_entropy_is_the_batch_mean_of_minus_log_softmax_times_the_weight()
    {
        // Row 0: log(e^1 + e^2 + e^3) - 3; row 1: log 3.
        double row0 = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3)) - 3;
        double expected = 0.5 * (row0 + Math.Log(3)) * 2.0;

        using Tensor loss = new CrossEntropyLoss(new CrossEntropyLossOptions { LossWeight = 2.0 }).call(Logits(), Labels());

        Assert.Equal(expected, loss.item<double>(), 12);
    }

    [Fact]
    public void Label_smoothing_spreads_epsilon_over_all_classes()
    {
        const double eps = 0.3;
        double z0 = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3));
        double[] logP0 = [1 - z0, 2 - z0, 3 - z0];
        double[] logP1 = [-Math.Log(3), -Math.Log(3), -Math.Log(3)];
        double Row(double[] logP, int label) =>
            -Enumerable.Range(0, 3).Sum(c => (c == label ? 1 - eps + eps / 3 : eps / 3) * logP[c]);
        double expected = 0.5 * (Row(logP0, 2) + Row(logP1, 1));

        using Tensor loss = new LabelSmoothLoss(new LabelSmoothLossOptions { LabelSmoothVal = eps }).call(Logits(), Labels());

        Assert.Equal(expected, loss.item<double>(), 12);
    }

    [Fact]
    public void Label_smoothing_of_zero_equals_cross_entropy()
    {
        using Tensor smooth = new LabelSmoothLoss(new LabelSmoothLossOptions { LabelSmoothVal = 0 }).call(Logits(), Labels());
        using Tensor plain = new CrossEntropyLoss().call(Logits(), Labels());

        Assert.Equal(plain.item<double>(), smooth.item<double>(), 12);
    }

    [Fact]
    public void Losses_reject_bad_settings_and_shapes()
    {
        Assert.Contains("labelSmoothVal", Assert.Throws<ArgumentException>(() => new LabelSmoothLoss(new LabelSmoothLossOptions { LabelSmoothVal = 1 })).Message);
        Assert.Contains("lossWeight", Assert.Throws<ArgumentException>(() => new CrossEntropyLoss(new CrossEntropyLossOptions { LossWeight = -1 })).Message);
        Assert.Contains("set up for 4 classes", Assert.Throws<ArgumentException>(() =>
            new LabelSmoothLoss(new LabelSmoothLossOptions { NumClasses = 4 }).call(Logits(), Labels())).Message);
        Assert.Contains("labels [N]", Assert.Throws<ArgumentException>(() =>
            new CrossEntropyLoss().call(Logits(), tensor(new long[] { 1 }))).Message);
    }

    [Fact]
    public void Top_k_accuracy_counts_labels_among_the_k_largest_logits_in_percent()
    {
        // Row 0 ranks classes 3,2,1,0; row 1 ranks 0,1,2,3; row 2 ranks 1,3,2,0.
        using Tensor logits = tensor(new float[] { 0, 1, 2, 3, 3, 2, 1, 0, 0, 3, 1, 2 }, [3, 4]);
        using Tensor labels = tensor(new long[] { 3, 2, 2 });

        IReadOnlyDictionary<string, double> accuracy = TopKAccuracy.Compute(logits, labels, [1, 2, 3]);

        Assert.Equal(100.0 / 3, accuracy["accuracy_top-1"], 10);
        Assert.Equal(100.0 / 3, accuracy["accuracy_top-2"], 10);
        Assert.Equal(100.0, accuracy["accuracy_top-3"], 10);
    }

    [Fact]
    public void The_linear_head_initialises_like_the_reference_and_names_its_layer_fc()
    {
        var head = new LinearClsHead(new LinearClsHeadOptions { NumClasses = 1000, InChannels = 512, TopK = [1, 5] });
        Tensor weight = head.named_parameters().Single(p => p.name == "fc.weight").parameter;
        Tensor bias = head.named_parameters().Single(p => p.name == "fc.bias").parameter;

        Assert.Equal(0.01, weight.std().item<float>(), 3);
        Assert.Equal(0, bias.abs().max().item<float>());
        Assert.Equal([1, 5], head.TopK);
        using Tensor logits = head.call(ones(2, 512));
        Assert.Equal([2L, 1000L], logits.shape);
        Assert.Contains("GlobalAveragePooling", Assert.Throws<ArgumentException>(() => head.call(ones(2, 512, 7, 7))).Message);
        Assert.Contains("topk", Assert.Throws<ArgumentException>(() =>
            new LinearClsHead(new LinearClsHeadOptions { NumClasses = 3, InChannels = 4, TopK = [5] })).Message);
    }

    [Fact]
    public void Global_average_pooling_averages_over_height_and_width()
    {
        using Tensor features = arange(8, dtype: float32).reshape(1, 2, 2, 2);

        using Tensor pooled = new GlobalAveragePooling().call(features);

        Assert.Equal(new float[] { 1.5f, 5.5f }, pooled.data<float>().ToArray());
    }
}
