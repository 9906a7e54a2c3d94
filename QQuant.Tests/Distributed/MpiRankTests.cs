using QQuant.Distributed;
using QQuant.Quantizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Distributed;

/// <summary>
/// What every rank checks when <see cref="MpiLaunchTests"/> runs this test under <c>mpirun</c>: the collectives, and
/// gradient averaging over shards against one process's full batch. Outside <c>mpirun</c> it skips.
/// </summary>
[Collection(QQuant.Tests.Training.GlobalTorchRandom.Name)]
public class MpiRankTests
{
    public const string Name = "QQuant.Tests.Distributed.MpiRankTests.Under_mpirun_collectives_and_averaged_gradients_agree_with_one_process";

    internal static bool UnderMpirun =>
        Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null || Environment.GetEnvironmentVariable("PMI_SIZE") is not null;

    [Fact]
    public void Under_mpirun_collectives_and_averaged_gradients_agree_with_one_process()
    {
        Assert.SkipUnless(UnderMpirun, "runs inside mpirun only (MpiLaunchTests starts it)");
        using MpiProcessGroup group = MpiProcessGroup.Start();
        int rank = group.Rank, size = group.Size;
        Assert.True(size >= 2, $"{size} process");

        using (var scope = NewDisposeScope())
        {
            Tensor values = full(5, rank + 1f);
            group.AllReduceSum(values);
            Assert.All(values.data<float>().ToArray(), v => Assert.Equal(size * (size + 1) / 2f, v));

            // A contiguous slice with a storage offset: only its elements are reduced.
            Tensor whole = arange(10, float64) * (rank + 1);
            group.AllReduceSum(whole.narrow(0, 3, 4));
            double[] expected = [.. Enumerable.Range(0, 10).Select(i => i is >= 3 and < 7 ? i * size * (size + 1) / 2.0 : i * (rank + 1.0))];
            Assert.Equal(expected, whole.data<double>().ToArray());

            double[] counts = [rank, 1];
            group.AllReduceSum(counts);
            Assert.Equal([size * (size - 1) / 2.0, size], counts);

            Tensor fromLast = full(3, (float)rank);
            group.Broadcast(fromLast, root: size - 1);
            Assert.All(fromLast.data<float>().ToArray(), v => Assert.Equal(size - 1, v));
        }

        AveragedGradientsEqualTheFullBatchGradient(group);
        SynchronisedBatchNormGradientsEqualTheFullBatchGradient(group);
        SynchronisedBatchNormInAResidualNetwork(group);
        QuantizerStateIsRankZerosAfterTheBroadcast(group);
        group.Barrier();
    }

    // Each rank takes its shard of one batch of 8; the averaged gradients equal one process's gradient of the whole batch.
    private static void AveragedGradientsEqualTheFullBatchGradient(IProcessGroup group)
    {
        using var scope = NewDisposeScope();
        manual_seed(21);
        Tensor x = randn(8, 6);
        Tensor labels = randint(0, 3, [8]);
        Sequential Model()
        {
            manual_seed(3);
            return nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3));
        }

        Sequential reference = Model();
        nn.functional.cross_entropy(reference.call(x), labels).backward();

        Sequential model = Model();
        using var buckets = new GradientBuckets(model.parameters());
        int shard = 8 / group.Size;
        nn.functional.cross_entropy(model.call(x.narrow(0, group.Rank * shard, shard)), labels.narrow(0, group.Rank * shard, shard)).backward();
        buckets.Average(group);

        AssertClose(reference, model, p => p.grad!, floor: 1e-6);
    }

    // The same with BatchNorm: synchronised, the shards' statistics are the whole batch's.
    private static void SynchronisedBatchNormGradientsEqualTheFullBatchGradient(IProcessGroup group)
    {
        using var scope = NewDisposeScope();
        manual_seed(22);
        Tensor x = randn(8, 2, 5, 5);
        Tensor labels = randint(0, 3, [8]);
        Sequential Model()
        {
            manual_seed(4);
            // No convolution bias before the BatchNorm, as in ResNets: its true gradient is 0, which only float noise leaves.
            return nn.Sequential(nn.Conv2d(2, 3, 3, bias: false), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(27, 3));
        }

        Sequential reference = Model();
        nn.functional.cross_entropy(reference.call(x), labels).backward();

        Sequential model = Model();
        using var synchronised = BatchNormSync.Apply(model, group);
        using var buckets = new GradientBuckets(model.parameters());
        int shard = 8 / group.Size;
        nn.functional.cross_entropy(model.call(x.narrow(0, group.Rank * shard, shard)), labels.narrow(0, group.Rank * shard, shard)).backward();
        buckets.Average(group);

        Assert.Equal(1, synchronised.Count);
        AssertClose(reference, model, p => p.grad!, floor: 1e-6);
    }

    // CifarResNet-8 for 10 SGD steps: BatchNorms on both branches of the residual blocks, whose backward order the
    // ranks must share; the weights stay those of one process with the whole batch.
    private static void SynchronisedBatchNormInAResidualNetwork(IProcessGroup group)
    {
        using var scope = NewDisposeScope();
        manual_seed(23);
        Tensor x = randn(8, 2, 12, 12);
        Tensor probe = randn(8, 16, 3, 3);
        nn.Module<Tensor, Tensor> Model()
        {
            manual_seed(6);
            return QQuant.Tests.Vision.Backbones.BackboneTestSupport.FromJson("""{ "type": "CifarResNet", "depth": 8, "inChannels": 2, "baseChannels": 4 }""");
        }

        nn.Module<Tensor, Tensor> reference = Model();
        reference.train();
        var referenceOptimizer = optim.SGD(reference.parameters(), 0.05, momentum: 0.9, weight_decay: 5e-4);
        nn.Module<Tensor, Tensor> model = Model();
        model.train();
        using var synchronised = BatchNormSync.Apply(model, group);
        using var buckets = new GradientBuckets(model.parameters());
        var optimizer = optim.SGD(model.parameters(), 0.05, momentum: 0.9, weight_decay: 5e-4);
        int shard = 8 / group.Size;
        for (int step = 0; step < 10; step++)
        {
            referenceOptimizer.zero_grad();
            (reference.call(x) * probe).sum().div(8).backward();
            referenceOptimizer.step();
            optimizer.zero_grad();
            (model.call(x.narrow(0, group.Rank * shard, shard)) * probe.narrow(0, group.Rank * shard, shard)).sum().div(shard).backward();
            buckets.Average(group);
            optimizer.step();
        }

        AssertClose(reference, model, p => p, floor: 1e-3);
    }

    // Each parameter's value of what (its gradient, or itself) within 1e-5 of the reference's largest, at least floor.
    private static void AssertClose(nn.Module reference, nn.Module model, Func<Parameter, Tensor> what, double floor)
    {
        foreach (((string name, Parameter expected), Parameter actual) in reference.named_parameters().Zip(model.parameters()))
        {
            float[] e = what(expected).data<float>().ToArray(), a = what(actual).data<float>().ToArray();
            double scale = Math.Max(floor, e.Max(Math.Abs));
            Assert.All(e.Zip(a), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-5 * scale, $"{name}: {p.First} vs {p.Second}"));
        }
    }

    // Quantizers initialised on each rank's own data differ; after the broadcast every rank holds rank 0's state.
    private static void QuantizerStateIsRankZerosAfterTheBroadcast(IProcessGroup group)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        Sequential model = nn.Sequential(("conv", nn.Conv2d(2, 3, 3)));
        model.Quantize(QuantPolicy.For<Conv2d>().Use<LSQConv>(w: 4, a: 4));
        QuantCalibration.Calibrate(model, [randn(2, 2, 6, 6) * (group.Rank + 1)]);

        group.BroadcastState(model);

        foreach ((string name, Tensor state) in model.state_dict())
        {
            using Tensor local = state.to(float64).contiguous();
            using Tensor sum = local.clone();
            group.AllReduceSum(sum);
            Assert.True(sum.allclose(local * group.Size, rtol: 1e-12, atol: 0), $"{name} differs between ranks");
        }
    }
}
