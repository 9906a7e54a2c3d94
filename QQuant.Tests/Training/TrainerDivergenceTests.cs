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

    // where(false, p·∞, 0): the loss's value is unchanged, the gradient of p is 0·∞ = NaN.
    private static Func<int, Tensor?> NanGradient(ToyTask task, string name, int atForward) => forward =>
    {
        if (forward != atForward)
        {
            return null;
        }

        TorchSharp.Modules.Parameter p = task.Model.named_parameters().Single(q => q.name == name).parameter;
        return where(zeros_like(p, dtype: ScalarType.Bool), p * double.PositiveInfinity, zeros_like(p)).sum();
    };

    [Fact]
    public void A_nan_gradient_of_a_quantizer_step_on_the_last_step_of_an_epoch_stops_training_before_its_checkpoint()
    {
        using var folder = new TemporaryFolder("diverge-gradient");
        using var task = new ToyTask();
        string poisoned = "0.input_quantizer.step";
        // The 8th forward is the last step of epoch 2: its loss is finite, the step writes NaN into the parameter.
        task.ExtraLoss = NanGradient(task, poisoned, 7);
        (Trainer<ToyBatch> trainer, TrainingOptimizer optimizer, TrainingLog log) = TrainerTestSupport.Create(task, folder.Path, 3);
        using (optimizer)
        using (log)
        {
            var e = Assert.Throws<TrainingDivergedException>(() => trainer.Run());

            Assert.Equal(2, e.Epoch);
            Assert.Equal(4, e.Iteration);
            Assert.Equal([poisoned], e.NonFiniteQuantizerParameters);
            Assert.Contains("the optimizer step made quantizer parameters non-finite at epoch 2, iteration 4/4 (iteration 8 overall)", e.Message);
            Assert.Contains(poisoned, e.Message);
            Assert.Contains(CheckpointFiles.ForEpoch(folder.Path, 1), e.Message);
        }

        Assert.False(File.Exists(CheckpointFiles.ForEpoch(folder.Path, 2)));
        using var checkpoint = Checkpoint.Load(CheckpointFiles.Latest(folder.Path));
        Assert.Equal(1, checkpoint.Meta.Epoch);
        Assert.True(checkpoint.ModelState[poisoned].isfinite().all().item<bool>());
    }

    [Fact]
    public void A_weight_made_nan_by_the_last_step_of_an_epoch_is_neither_evaluated_nor_saved()
    {
        using var folder = new TemporaryFolder("diverge-weight");
        using var task = new ToyTask(quantize: false);
        task.ExtraLoss = NanGradient(task, "3.bias", 3);
        (Trainer<ToyBatch> trainer, TrainingOptimizer optimizer, TrainingLog log) = TrainerTestSupport.Create(task, folder.Path, 2);
        using (optimizer)
        using (log)
        {
            var e = Assert.Throws<TrainingDivergedException>(() => trainer.Run());

            Assert.Equal(1, e.Epoch);
            Assert.Equal(4, e.Iteration);
            Assert.Empty(e.NonFiniteQuantizerParameters);
            Assert.Contains("the parameters are not all finite at the end of the epoch at epoch 1, iteration 4/4 (iteration 4 overall)", e.Message);
            Assert.Contains("1 other parameter tensor(s) are non-finite", e.Message);
            Assert.Contains("No checkpoint had been written", e.Message);
        }

        Assert.Empty(Directory.GetFiles(folder.Path, "*.ckpt"));
    }
}
