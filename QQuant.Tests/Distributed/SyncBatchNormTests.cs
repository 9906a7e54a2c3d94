using QQuant.Distributed;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Distributed;

/// <summary>With one process a SyncBatchNorm2d is its BatchNorm2d: output, gradients and running statistics.</summary>
[Collection(QQuant.Tests.Training.GlobalTorchRandom.Name)]
public class SyncBatchNormTests
{
    [Fact]
    public void With_one_process_it_computes_what_its_batch_norm_computes()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        BatchNorm2d reference = nn.BatchNorm2d(3), norm = nn.BatchNorm2d(3);
        using (no_grad())
        {
            foreach (BatchNorm2d n in (BatchNorm2d[])[reference, norm])
            {
                n.weight!.copy_(tensor(new[] { 0.5f, 1.5f, -0.7f }));
                n.bias!.copy_(tensor(new[] { 0.1f, -0.2f, 0.3f }));
            }
        }

        var sync = new SyncBatchNorm2d(norm, SingleProcessGroup.Instance);
        Tensor x = (randn(4, 3, 5, 5) * 2) + 1;
        Tensor upstream = randn(4, 3, 5, 5);
        Tensor x1 = x.clone().requires_grad_(), x2 = x.clone().requires_grad_();

        Tensor expected = reference.call(x1), actual = sync.call(x2);
        (expected * upstream).sum().backward();
        (actual * upstream).sum().backward();

        AssertClose(expected, actual);
        AssertClose(x1.grad!, x2.grad!);
        AssertClose(reference.weight!.grad!, norm.weight!.grad!);
        AssertClose(reference.bias!.grad!, norm.bias!.grad!);
        AssertClose(reference.running_mean!, norm.running_mean!);
        AssertClose(reference.running_var!, norm.running_var!);
        Assert.Equal(["weight", "bias", "running_mean", "running_var", "num_batches_tracked"], sync.state_dict().Keys);
    }

    private static void AssertClose(Tensor expected, Tensor actual)
    {
        float[] e = expected.detach().data<float>().ToArray(), a = actual.detach().data<float>().ToArray();
        double scale = Math.Max(1e-6, e.Max(Math.Abs));
        Assert.All(e.Zip(a), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-5 * scale, $"{p.First} vs {p.Second}"));
    }
}
