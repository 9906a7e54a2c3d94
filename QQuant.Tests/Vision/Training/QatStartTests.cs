using Microsoft.Extensions.DependencyInjection;
using QQuant.Quantizers;
using QQuant.Samples;
using QQuant.Samples.Commands;
using QQuant.Training;
using QQuant.Vision;
using TorchSharp.Modules;

namespace QQuant.Tests.Vision.Training;

/// <summary>
/// <c>qatStart</c>: a quantized run from a float checkpoint calibrates its quantizers, re-estimates the BatchNorm
/// statistics with the quantized model and evaluates where it starts, before the first step.
/// </summary>
[Collection(QQuant.Tests.Training.GlobalTorchRandom.Name)]
public sealed class QatStartTests(QatStartTests.FloatRun floatRun)
    : IClassFixture<QatStartTests.FloatRun>
{
    private static readonly QuantPolicy Policy = QuantPolicy.For<Conv2d>().Use<LSQConv>(4, 4).For<Linear>().Use<EightBitLinear>(8, 8);

    [Fact]
    public void A_run_from_a_float_checkpoint_calibrates_reestimates_and_evaluates_before_its_first_step()
    {
        using var folder = new TemporaryFolder("qat-start");
        ConfigDocument config = floatRun.Config("qatStart.calibrationBatches=2", "qatStart.batchNormBatches=2");

        using TrainingRun run = floatRun.Trainer.Prepare(config, Overrides(folder.Path), TextWriter.Null);

        Assert.All(run.Model.modules().OfType<CalibratedQuantizer>(), q => Assert.True(q.IsInitialized, q.Location));
        double start = Assert.Single(run.StartMetrics!, m => m.Key == "accuracy_top-1").Value;
        Assert.InRange(start, 0, 100);
        string log = File.ReadAllText(Directory.GetFiles(folder.Path, "*.log").Single());
        int quantizers = run.Model.modules().OfType<CalibratedQuantizer>().Count();
        int norms = run.Model.modules().OfType<BatchNorm2d>().Count();
        Assert.Contains($"qatStart: calibrated {quantizers} quantizers on 2 training batches", log, StringComparison.Ordinal);
        Assert.Contains($"qatStart: re-estimated the statistics of {norms} BatchNorm layers on 2 training batches", log, StringComparison.Ordinal);
        Assert.Contains("qatStart: before the first step, accuracy_top-1: ", log, StringComparison.Ordinal);
    }

    [Fact]
    public void By_default_a_run_from_a_float_checkpoint_starts_calibrated_with_reestimated_BatchNorm()
    {
        using var folder = new TemporaryFolder("qat-start");

        using TrainingRun run = floatRun.Trainer.Prepare(floatRun.Config(), Overrides(folder.Path), TextWriter.Null);

        Assert.NotNull(run.StartMetrics);
        string log = File.ReadAllText(Directory.GetFiles(folder.Path, "*.log").Single());
        // 8 batches by default, of which these 512 training images of 128 per batch hold 4.
        Assert.Matches("qatStart: calibrated [0-9]+ quantizers on 4 training batches", log);
        Assert.Matches("qatStart: re-estimated the statistics of [0-9]+ BatchNorm layers on 4 training batches", log);
    }

    [Fact]
    public void Without_calibration_the_quantizers_wait_for_the_first_training_batch()
    {
        using var folder = new TemporaryFolder("qat-start");

        using TrainingRun run = floatRun.Trainer.Prepare(
            floatRun.Config("qatStart.calibrationBatches=0", "qatStart.batchNormBatches=0"), Overrides(folder.Path), TextWriter.Null);

        Assert.Null(run.StartMetrics);
        Assert.All(run.Model.modules().OfType<CalibratedQuantizer>(), q => Assert.False(q.IsInitialized, q.Location));
    }

    [Fact]
    public void BatchNorm_reestimation_without_calibration_is_an_error_naming_both_keys()
    {
        using var folder = new TemporaryFolder("qat-start");

        var error = Assert.Throws<QQuantException>(() =>
            floatRun.Trainer.Prepare(floatRun.Config("qatStart.calibrationBatches=0", "qatStart.batchNormBatches=2"), Overrides(folder.Path), TextWriter.Null));

        Assert.Contains("qatStart:batchNormBatches needs qatStart:calibrationBatches", error.Message, StringComparison.Ordinal);
    }

    private TrainingOverrides Overrides(string workDir) =>
        new() { WorkDir = workDir, LoadFrom = floatRun.Checkpoint, Policy = Policy, MaxTrainSamples = 512, MaxValSamples = 256, Seed = 0 };

    /// <summary>A float CifarResNet-20 trained for one short epoch on the shipped subset.</summary>
    public sealed class FloatRun : IDisposable
    {
        private readonly ServiceProvider _services = CliServices.Create();
        private readonly TemporaryFolder _folder = new("qat-start-float");

        public FloatRun()
        {
            Trainer = _services.GetRequiredService<ClassifierTrainer>();
            using TrainingRun run = Trainer.Prepare(
                Config("lrConfig.warmupIters=2"),
                new TrainingOverrides { WorkDir = Path.Combine(_folder.Path, "float"), MaxTrainSamples = 512, MaxValSamples = 256, Seed = 0 },
                TextWriter.Null);
            Checkpoint = run.Run().LastCheckpoint!;
        }

        public ClassifierTrainer Trainer { get; }

        public string Checkpoint { get; }

        public ConfigDocument Config(params string[] options)
        {
            string subset = Path.Combine(AppContext.BaseDirectory, "data", "fashion-mnist-subset");
            return ConfigDocument.Load(
                Path.Combine(AppContext.BaseDirectory, QuickstartCommand.FloatConfig),
                [$"data.train.dataPrefix={subset}", $"data.val.dataPrefix={subset}", $"data.test.dataPrefix={subset}", "totalEpochs=1", "logConfig.interval=1000", .. options]);
        }

        public void Dispose()
        {
            _folder.Dispose();
            _services.Dispose();
        }
    }
}
