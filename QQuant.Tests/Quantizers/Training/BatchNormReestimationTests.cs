using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.Training;

/// <summary>BatchNorm statistics re-estimated from the quantized model: hand values, modes, momenta and all-or-nothing.</summary>
public class BatchNormReestimationTests
{
    [Fact]
    public void The_statistics_are_the_average_of_each_batch_mean_and_unbiased_variance()
    {
        using var scope = NewDisposeScope();
        Sequential model = nn.Sequential(("bn", nn.BatchNorm1d(2, dtype: float64)));
        var norm = (BatchNorm1d)model.named_modules().Single(m => m.name == "bn").module;
        Tensor[] batches = [Matrix([2, 2], 1, 2, 3, 6), Matrix([2, 2], 5, 0, 7, 0)];

        BatchNormSummary summary = BatchNormReestimation.Reestimate(model, batches);

        // Batch 1: means 2, 4 and unbiased variances 2, 8; batch 2: means 6, 0 and variances 2, 0.
        Close([4.0, 2.0], norm.running_mean!);
        Close([2.0, 4.0], norm.running_var!);
        Assert.Equal(new BatchNormSummary(1, 2), summary);
    }

    [Fact]
    public void Modes_and_momentum_are_restored_and_quantizers_keep_their_state()
    {
        using var scope = NewDisposeScope();
        Sequential model = nn.Sequential(("conv", nn.Conv2d(3, 4, 3)), ("bn", nn.BatchNorm2d(4)), ("relu", nn.ReLU()));
        model.Quantize(QuantPolicy.For<Conv2d>().Use<LSQConv>(4, 4));
        Tensor[] batches = [randn(4, 3, 6, 6), randn(4, 3, 6, 6)];
        QuantCalibration.Calibrate(model, batches);
        var layer = (QuantizedLayer)model.named_modules().Single(m => m.name == "conv").module;
        var norm = (BatchNorm2d)model.named_modules().Single(m => m.name == "bn").module;
        float step = ((LsqQuantizer)layer.InputQuantizer).Step.item<float>();
        model.train();
        layer.eval();

        BatchNormReestimation.Reestimate(model, batches);

        Assert.True(model.training);
        Assert.True(norm.training);
        Assert.False(layer.training);
        Assert.Equal(0.1, norm.momentum);
        Assert.Equal(step, ((LsqQuantizer)layer.InputQuantizer).Step.item<float>());
        // The statistics are those of the quantized convolution's output over both batches.
        model.eval();
        using var noGrad = no_grad();
        Tensor outputs = cat([.. batches.Select(b => layer.call(b))]);
        Close(outputs.mean([0, 2, 3]), norm.running_mean!, 1e-5);
    }

    [Fact]
    public void No_batch_leaves_the_statistics_as_they_were()
    {
        using var scope = NewDisposeScope();
        Sequential model = nn.Sequential(("bn", nn.BatchNorm1d(2, dtype: float64)));
        var norm = (BatchNorm1d)model.named_modules().Single(m => m.name == "bn").module;
        using (no_grad())
        {
            norm.running_mean!.fill_(3);
        }

        Assert.Throws<QuantCalibrationException>(() => BatchNormReestimation.Reestimate(model, Array.Empty<Tensor>()));

        Close([3.0, 3.0], norm.running_mean!);
        Close([1.0, 1.0], norm.running_var!);
    }

    [Fact]
    public void A_model_without_BatchNorm_is_left_alone()
    {
        using var scope = NewDisposeScope();
        Sequential model = nn.Sequential(("fc", nn.Linear(2, 2)));

        Assert.Equal(new BatchNormSummary(0, 0), BatchNormReestimation.Reestimate(model, [randn(3, 2)]));
    }
}
