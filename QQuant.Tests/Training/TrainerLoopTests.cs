using System.Text.Json;
using System.Text.RegularExpressions;
using QQuant.Training;

namespace QQuant.Tests.Training;

[Collection(GlobalTorchRandom.Name)]
public partial class TrainerLoopTests
{
    [GeneratedRegex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - qquant - INFO - Epoch \[(\d+)\]\[(\d+)/4\]\tlr: \d\.\d{3}e-\d\d, eta: \d+:\d\d:\d\d, time: \d+\.\d{3}, data_time: \d+\.\d{3}, memory: \d+, loss: \d+\.\d{4}, top-1: \d+\.\d{4}$")]
    private static partial Regex TrainLine();

    [Fact]
    public void Logs_every_interval_in_the_reference_format_and_writes_epoch_and_latest_checkpoints()
    {
        using var folder = new TemporaryFolder("loop");
        using var task = new ToyTask();
        var console = new StringWriter();
        (Trainer<ToyBatch> trainer, TrainingOptimizer optimizer, TrainingLog log) = TrainerTestSupport.Create(task, folder.Path, 2, console);
        using (optimizer)
        using (log)
        {
            trainer.Run();
        }

        string[] lines = File.ReadAllLines(Directory.GetFiles(folder.Path, "*.log").Single());
        string[] train = [.. lines.Where(l => l.Contains(" - INFO - Epoch [", StringComparison.Ordinal))];
        Assert.Equal(4, train.Length);
        Assert.All(train, l => Assert.Matches(TrainLine(), l));
        Assert.Equal(["1/2", "1/4", "2/2", "2/4"], train.Select(l => $"{TrainLine().Match(l).Groups[1]}/{TrainLine().Match(l).Groups[2]}"));
        Assert.Contains(lines, l => l.EndsWith("workflow: [('train', 1)], max: 2 epochs", StringComparison.Ordinal));
        Assert.Equal(console.ToString().TrimEnd().Split(Environment.NewLine), lines);

        string[] json = File.ReadAllLines(Directory.GetFiles(folder.Path, "*.log.json").Single());
        Assert.Equal(4, json.Length);
        using JsonDocument first = JsonDocument.Parse(json[0]);
        Assert.Equal("train", first.RootElement.GetProperty("mode").GetString());
        Assert.Equal(1, first.RootElement.GetProperty("epoch").GetInt32());
        Assert.Equal(2, first.RootElement.GetProperty("iter").GetInt32());
        Assert.True(first.RootElement.GetProperty("loss").GetDouble() > 0);

        Assert.True(File.Exists(CheckpointFiles.ForEpoch(folder.Path, 1)));
        Assert.True(File.Exists(CheckpointFiles.ForEpoch(folder.Path, 2)));
        using var latest = Checkpoint.Load(CheckpointFiles.Latest(folder.Path));
        Assert.Equal(2, latest.Meta.Epoch);
        Assert.Equal(8, latest.Meta.Iteration);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal("epoch_2.ckpt", new FileInfo(CheckpointFiles.Latest(folder.Path)).LinkTarget);
        }
    }

    [Fact]
    public void The_learning_rate_follows_the_schedule_iteration_by_iteration()
    {
        using var task = new ToyTask();
        var seen = new List<double>();
        (Trainer<ToyBatch> trainer, TrainingOptimizer optimizer, TrainingLog log) = TrainerTestSupport.Create(task, null, 2);
        task.BeforeForward = _ => seen.Add(optimizer.CurrentLr);
        using (optimizer)
        using (log)
        {
            trainer.Run();
        }

        LrSchedule schedule = TrainerTestSupport.Cosine(0.1, 2, 4);
        double[] expected = [.. Enumerable.Range(0, 8).Select(i => schedule.At(i / 4, i))];
        Assert.Equal(expected, seen);
        // Warmup (3 iterations, ratio 0.25) then cosine by epoch: 0.025, 0.05, 0.075, 0.1 | 0.05 ... (lr0/2 at epoch 1 of 2).
        Assert.Equal(0.025, seen[0], 12);
        Assert.Equal(0.1 * (1 - (1 - 2.0 / 3) * 0.75), seen[2], 12);
        Assert.Equal(0.1, seen[3], 12);
        Assert.Equal(0.05, seen[4], 12);
    }

    [Fact]
    public void Evaluation_runs_at_its_interval_and_is_logged_as_a_val_line()
    {
        using var folder = new TemporaryFolder("eval");
        using var task = new ToyTask();
        var evaluator = new CountingEvaluator();
        TrainingOptimizer optimizer = OptimizerFactory.Create(task.Model, TrainerTestSupport.Sgd());
        using var log = new TrainingLog(TextWriter.Null, folder.Path, DateTimeOffset.Now);
        var options = new TrainerOptions { TotalEpochs = 4, EvaluationInterval = 2, CheckpointInterval = 3, WorkDir = folder.Path, LogInterval = 4 };
        using (optimizer)
        {
            TrainingResult result = new Trainer<ToyBatch>(task, optimizer, TrainerTestSupport.Cosine(0.1, 4, 4), options, log, evaluator).Run();
            Assert.Equal([("accuracy_top-1", 42.0)], result.LastMetrics.Select(m => (m.Key, m.Value)));
        }

        Assert.Equal(2, evaluator.Calls);
        Assert.All(evaluator.ModesSeen, training => Assert.False(training));
        string text = File.ReadAllText(Directory.GetFiles(folder.Path, "*.log").Single());
        Assert.Contains("Epoch(val) [2][5]\taccuracy_top-1: 42.0000", text);
        Assert.Contains("Epoch(val) [4][5]\taccuracy_top-1: 42.0000", text);
        // Interval 3 over 4 epochs: after epoch 3, and after the last.
        Assert.Equal(["epoch_3.ckpt", "epoch_4.ckpt"], Directory.GetFiles(folder.Path, "epoch_*.ckpt").Select(Path.GetFileName).Order());
        using var latest = Checkpoint.Load(CheckpointFiles.Latest(folder.Path));
        Assert.Equal("42", latest.Meta.Entries["accuracy_top-1"]);
    }

    [Theory]
    [InlineData(0, 1, 1, "totalEpochs")]
    [InlineData(1, 0, 1, "logConfig:interval")]
    [InlineData(1, 1, -1, "checkpointConfig:interval")]
    public void Options_out_of_range_name_their_key(int epochs, int logInterval, int checkpointInterval, string key)
    {
        using var task = new ToyTask();
        using TrainingOptimizer optimizer = OptimizerFactory.Create(task.Model, TrainerTestSupport.Sgd());
        using var log = new TrainingLog(TextWriter.Null, null, DateTimeOffset.Now);
        var options = new TrainerOptions { TotalEpochs = epochs, LogInterval = logInterval, CheckpointInterval = checkpointInterval };

        var e = Assert.Throws<TrainingConfigException>(() =>
            new Trainer<ToyBatch>(task, optimizer, TrainerTestSupport.Cosine(0.1, 1, 4), options, log));

        Assert.Equal(key, e.Key);
        Assert.StartsWith(key + ":", e.Message);
    }

    private sealed class CountingEvaluator : IEvaluator
    {
        public int Calls { get; private set; }

        public List<bool> ModesSeen { get; } = [];

        public int Batches => 5;

        public IReadOnlyList<KeyValuePair<string, double>> Evaluate(TorchSharp.torch.nn.Module model, IProgress<int>? progress = null)
        {
            Calls++;
            model.eval();
            ModesSeen.Add(model.training);
            return [KeyValuePair.Create("accuracy_top-1", 42.0)];
        }
    }
}
