using QQuant.Quantizers;
using QQuant.Tests.Training;
using QQuant.Training;
using TorchSharp.Modules;
using static QQuant.Tests.Quantizers.TensorAssert;
using static TorchSharp.torch;

namespace QQuant.Tests.Quantizers.DsqDoReFa;

/// <summary>DSQ's state projected after each optimizer step: α into its interval, the bounds in order.</summary>
[Collection(GlobalTorchRandom.Name)]
public class DsqProjectionTests
{
    [Theory]
    [InlineData(0.7, 0.5 - 1e-6)]
    [InlineData(-0.2, 1e-6)]
    [InlineData(0.3, 0.3)]
    public void Alpha_is_clamped_into_the_interval_the_forward_uses(double alpha, double projected)
    {
        using var q = new DsqQuantizer(4, ActivationSign.Signed);
        using (no_grad())
        {
            q.Alpha.fill_(alpha);
        }

        q.ProjectState();

        Close([projected], q.Alpha, 1e-7);
    }

    [Fact]
    public void Crossed_bounds_are_swapped_and_ordered_bounds_stay()
    {
        using var q = new DsqQuantizer(4, ActivationSign.Signed);
        using (no_grad())
        {
            q.Lower.fill_(2);
            q.Upper.fill_(1);
        }

        q.ProjectState();
        Close([1.0], q.Lower);
        Close([2.0], q.Upper);

        q.ProjectState();
        Close([1.0], q.Lower);
        Close([2.0], q.Upper);
    }

    [Fact]
    public void The_trainer_projects_after_every_step()
    {
        using var folder = new TemporaryFolder("dsq-projection");
        using var task = new ToyTask(policy: QuantPolicy.For<Linear>().Use<DSQLinear>(4, 4));
        List<DsqQuantizer> quantizers = [.. task.Model.modules().OfType<DsqQuantizer>()];
        // Before every forward the state leaves its valid range; only a projection after the step brings it back.
        task.BeforeForward = _ =>
        {
            using var noGrad = no_grad();
            quantizers.ForEach(q => q.Alpha.fill_(0.9));
        };
        (Trainer<ToyBatch> trainer, TrainingOptimizer optimizer, TrainingLog log) = TrainerTestSupport.Create(task, folder.Path, 1);
        using (optimizer)
        using (log)
        {
            trainer.Run();
        }

        Assert.Equal(4, quantizers.Count);
        Assert.All(quantizers, q => Assert.InRange(q.Alpha.item<float>(), 1e-6f, 0.5f));
    }
}
