using QQuant.Training;
using static TorchSharp.torch;

namespace QQuant.Tests.Training;

[Collection(GlobalTorchRandom.Name)]
public class TrainerDivergenceTests
{
    [Fact]
    public void A_nan_quantizer_step_stops_training_naming_it_and_the_last_checkpoint_stays_whole()
    {
        using var folder = new TemporaryFolder("diverge");
        using var task = new ToyTask();
        string poisoned = "3.weight_quantizer.step";
        // The 6th forward is epoch 2, iteration 2: the first epoch finishes and writes its checkpoint first.
        task.BeforeForward = n =>
        {
            if (n == 5)
            {
                using (no_grad())
                {
                    task.Model.named_parameters().Single(p => p.name == poisoned).parameter.fill_(double.NaN);
                }
            }
        };
        (Trainer<ToyBatch> trainer, TrainingOptimizer optimizer, TrainingLog log) = TrainerTestSupport.Create(task, folder.Path, 3);
        using (optimizer)
        using (log)
        {
            var e = Assert.Throws<TrainingDivergedException>(() => trainer.Run());

            Assert.Equal(2, e.Epoch);
            Assert.Equal(2, e.Iteration);
            Assert.Equal([poisoned], e.NonFiniteQuantizerParameters);
            Assert.Contains("epoch 2, iteration 2/4", e.Message);
            Assert.Contains(poisoned, e.Message);
            Assert.Contains("NaN", e.Message);
            Assert.Contains(CheckpointFiles.ForEpoch(folder.Path, 1), e.Message);
        }

        Assert.False(File.Exists(CheckpointFiles.ForEpoch(folder.Path, 2)));
        using var checkpoint = Checkpoint.Load(CheckpointFiles.Latest(folder.Path));
        Assert.Equal(1, checkpoint.Meta.Epoch);
        Assert.True(checkpoint.ModelState[poisoned].isfinite().all().item<bool>());
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp"));
    }

    [Fact]
    public void An_infinite_loss_without_bad_parameters_says_so()
    {
        using var task = new ToyTask();
        task.BeforeForward = n =>
        {
            if (n == 1)
            {
                using (no_grad())
                {
                    task.Model.named_parameters().First(p => p.name.EndsWith("bias", StringComparison.Ordinal)).parameter.fill_(double.PositiveInfinity);
                }
            }
        };
        (Trainer<ToyBatch> trainer, TrainingOptimizer optimizer, TrainingLog log) = TrainerTestSupport.Create(task, null, 1);
        using (optimizer)
        using (log)
        {
            var e = Assert.Throws<TrainingDivergedException>(() => trainer.Run());

            Assert.Equal(1, e.Epoch);
            Assert.Equal(2, e.Iteration);
            Assert.Empty(e.NonFiniteQuantizerParameters);
            Assert.Contains("No quantizer parameter is non-finite", e.Message);
            Assert.Contains("1 other parameter tensor(s) are non-finite", e.Message);
            Assert.Contains("No checkpoint had been written", e.Message);
        }
    }
}
