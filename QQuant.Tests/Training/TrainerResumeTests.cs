using QQuant.Training;

namespace QQuant.Tests.Training;

[Collection(GlobalTorchRandom.Name)]
public class TrainerResumeTests
{
    [Fact]
    public void Two_epochs_straight_equal_one_epoch_then_resume_then_one_more_bit_for_bit()
    {
        using var folder = new TemporaryFolder("resume");
        string straightDir = Path.Combine(folder.Path, "straight");
        string partsDir = Path.Combine(folder.Path, "parts");

        Dictionary<string, double[]> straight;
        using (var task = new ToyTask())
        {
            (Trainer<ToyBatch> trainer, TrainingOptimizer optimizer, TrainingLog log) = TrainerTestSupport.Create(task, straightDir, 2);
            using (optimizer)
            using (log)
            {
                TrainingResult result = trainer.Run();
                Assert.Equal(2, result.Epochs);
                Assert.Equal(8, result.Iterations);
            }

            straight = TrainerTestSupport.Snapshot(task.Model);
        }

        using (var task = new ToyTask())
        {
            (Trainer<ToyBatch> trainer, TrainingOptimizer optimizer, TrainingLog log) = TrainerTestSupport.Create(task, partsDir, 2);
            using (optimizer)
            using (log)
            {
                Assert.Equal(1, trainer.Run(untilEpoch: 1).Epochs);
            }
        }

        Assert.True(File.Exists(CheckpointFiles.ForEpoch(partsDir, 1)));
        Assert.False(File.Exists(CheckpointFiles.ForEpoch(partsDir, 2)));
        Dictionary<string, double[]> resumed;
        using (var task = new ToyTask(weightSeed: 99))
        {
            (Trainer<ToyBatch> trainer, TrainingOptimizer optimizer, TrainingLog log) = TrainerTestSupport.Create(task, partsDir, 2);
            using (optimizer)
            using (log)
            {
                trainer.ResumeFrom(CheckpointFiles.Latest(partsDir));
                Assert.Equal(1, trainer.Epoch);
                Assert.Equal(4, trainer.Iteration);
                TrainingResult result = trainer.Run();
                Assert.Equal(2, result.Epochs);
                Assert.Equal(8, result.Iterations);
            }

            resumed = TrainerTestSupport.Snapshot(task.Model);
        }

        Assert.Equal(straight.Keys.Order(), resumed.Keys.Order());
        Assert.Contains(straight.Keys, k => k.EndsWith("weight_quantizer.step", StringComparison.Ordinal));
        foreach ((string key, double[] values) in straight)
        {
            Assert.True(values.SequenceEqual(resumed[key]), $"{key} differs after resuming");
        }
    }

    [Fact]
    public void A_different_seed_or_no_resume_gives_different_weights_so_the_comparison_can_fail()
    {
        Dictionary<string, double[]> a, b;
        using (var task = new ToyTask())
        {
            (Trainer<ToyBatch> trainer, TrainingOptimizer optimizer, TrainingLog log) = TrainerTestSupport.Create(task, null, 2);
            using (optimizer)
            using (log)
            {
                trainer.Run();
            }

            a = TrainerTestSupport.Snapshot(task.Model);
        }

        using (var task = new ToyTask())
        {
            (Trainer<ToyBatch> trainer, TrainingOptimizer optimizer, TrainingLog log) =
                TrainerTestSupport.Create(task, null, 2, options: new TrainerOptions());
            using (optimizer)
            using (log)
            {
                trainer.Run(untilEpoch: 1);
            }

            b = TrainerTestSupport.Snapshot(task.Model);
        }

        Assert.Contains(a.Keys, key => !a[key].SequenceEqual(b[key]));
    }

    [Fact]
    public void Resume_restores_the_optimizer_state_so_momentum_continues()
    {
        using var folder = new TemporaryFolder("resume-optimizer");
        using var task = new ToyTask();
        (Trainer<ToyBatch> trainer, TrainingOptimizer optimizer, TrainingLog log) = TrainerTestSupport.Create(task, folder.Path, 2);
        using (optimizer)
        using (log)
        {
            trainer.Run(untilEpoch: 1);
        }

        using var checkpoint = Checkpoint.Load(CheckpointFiles.Latest(folder.Path));
        Assert.True(checkpoint.HasOptimizerState);
        Assert.Equal(1, checkpoint.Meta.Epoch);
        Assert.Equal(4, checkpoint.Meta.Iteration);
        Assert.Equal(11, checkpoint.Meta.Seed);
        Assert.Equal(Checkpoint.CurrentTorchSharpVersion, checkpoint.Meta.TorchSharpVersion);
        Assert.StartsWith("0.107", checkpoint.Meta.TorchSharpVersion);
    }
}
