using QQuant.Distributed;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Distributed;

[Collection(QQuant.Tests.Training.GlobalTorchRandom.Name)]
public class GradientBucketsTests
{
    private static Sequential Model()
    {
        manual_seed(8);
        return nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2));
    }

    [Fact]
    public void Gradients_accumulate_in_one_flat_bucket_across_steps_with_the_optimizers_zero_grad()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        Tensor x = randn(5, 4);
        Sequential reference = Model(), model = Model();
        using var buckets = new GradientBuckets(model.parameters());
        var optimizer = optim.SGD(model.parameters(), 0.1);
        var referenceOptimizer = optim.SGD(reference.parameters(), 0.1);

        for (int step = 0; step < 2; step++)
        {
            optimizer.zero_grad();
            referenceOptimizer.zero_grad();
            model.call(x).square().sum().backward();
            reference.call(x).square().sum().backward();
            buckets.Average(SingleProcessGroup.Instance);
            foreach ((Parameter expected, Parameter actual) in reference.parameters().Zip(model.parameters()))
            {
                Assert.Equal(expected.grad!.data<float>().ToArray(), actual.grad!.data<float>().ToArray());
            }

            optimizer.step();
            referenceOptimizer.step();
        }

        Assert.Equal(4, buckets.Parameters);
        Assert.Equal(((4 * 6) + 6 + (6 * 2) + 2) * sizeof(float), buckets.Bytes);
    }

    [Fact]
    public void Parameters_without_gradients_get_no_view()
    {
        using var scope = NewDisposeScope();
        Sequential model = Model();
        Parameter frozen = model.parameters().First();
        frozen.requires_grad = false;

        using var buckets = new GradientBuckets(model.parameters());

        Assert.Equal(3, buckets.Parameters);
        Assert.Null(frozen.grad);
    }
}
