using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Quantizers;
using QQuant.Samples.Faults;
using QQuant.Tests.Cli;
using QQuant.Tests.Training;
using QQuant.Training;
using QQuant.Vision;
using static TorchSharp.torch;

namespace QQuant.Tests.Faults;

/// <summary>
/// The quickstart's promise that a run repeated on the same machine prints the same accuracies: two short LSQ 4-bit
/// training runs of the same config and seed on the shipped Fashion-MNIST subset, with data loader workers, end in the
/// same model state bit for bit and log the same losses, learning rates and accuracies.
/// </summary>
[Collection(GlobalTorchRandom.Name)]
public class DeterminismTests
{
    private const string Lsq = """{ "type": "QuantTransformer", "policy": { "Conv2d": { "type": "LSQConv", "w": 4, "a": 4 } }, "except": [ "backbone.conv1" ] }""";

    // What varies between identical runs: the clock and the process's memory.
    private static readonly string[] Timing = ["time", "data_time", "memory", "eta"];

    private sealed record Outcome(Dictionary<string, Tensor> State, IReadOnlyList<KeyValuePair<string, double>> Metrics, string[] Log, int Workers);

    private static Outcome Train(TemporaryFolder folder, string config, string name, long seed)
    {
        using ServiceProvider services = new ServiceCollection().AddQQuant().AddQuantizers().AddVision().Services.BuildServiceProvider();
        var trainer = services.GetRequiredService<ClassifierTrainer>();
        ConfigDocument document = ConfigDocument.Load(config, ["totalEpochs=2", "data.samplesPerGpu=50", "logConfig.interval=2"]);
        var overrides = new TrainingOverrides { WorkDir = Path.Combine(folder.Path, name), Seed = seed, MaxTrainSamples = 200, MaxValSamples = 50 };
        int workers = trainer.BindData(document, trainer.Bind(document)).WorkersPerGpu;
        using TrainingRun run = trainer.Prepare(document, overrides, TextWriter.Null);
        TrainingResult result = run.Run();
        Dictionary<string, Tensor> state = run.Model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());
        run.Log.Dispose();
        string[] log = [.. File.ReadAllLines(Directory.GetFiles(run.WorkDir, "*.log.json").Single())
            .Select(line => JsonNode.Parse(line)!.AsObject())
            .Where(entry => entry.ContainsKey("mode"))
            .Select(entry =>
            {
                foreach (string key in Timing)
                {
                    entry.Remove(key);
                }

                return entry.ToJsonString();
            })];
        return new Outcome(state, result.LastMetrics, log, workers);
    }

    [Fact]
    public void Two_short_lsq_runs_of_the_same_seed_end_in_the_same_bits_and_log_the_same_numbers_and_another_seed_does_not()
    {
        using var folder = new TemporaryFolder("determinism");
        string config = TrainTestInferCommandTests.WriteConfig(folder, "tiny_lsq.json", Lsq);

        Outcome first = Train(folder, config, "first", 5);
        Outcome second = Train(folder, config, "second", 5);
        Outcome other = Train(folder, config, "other", 6);

        Assert.True(first.Workers > 0, "the runs load data with worker threads");
        Assert.Contains(first.State.Keys, k => k.EndsWith("input_quantizer.step", StringComparison.Ordinal));
        Assert.Equal(first.State.Keys, second.State.Keys);
        Assert.All(first.State, p => Assert.True(TinyClassification.SameBits(p.Value, second.State[p.Key]), $"{p.Key} differs"));
        Assert.Contains(first.Metrics, m => m.Key == "accuracy_top-1");
        Assert.Equal(first.Metrics, second.Metrics);
        // 4 iterations per epoch logged every 2, and a val line per epoch.
        Assert.Equal(6, first.Log.Length);
        Assert.Contains(first.Log, line => line.Contains("\"loss\"", StringComparison.Ordinal));
        Assert.Equal(first.Log, second.Log);
        Assert.Contains(first.State, p => !TinyClassification.SameBits(p.Value, other.State[p.Key]));
        Assert.NotEqual(first.Log, other.Log);
    }
}
