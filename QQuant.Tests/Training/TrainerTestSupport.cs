using QQuant.Quantizers;
using QQuant.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Training;

/// <summary>Tests that draw from torch's global generator (the trainer seeds it per epoch) run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalTorchRandom
{
    public const string Name = "global torch random state";
}

/// <summary>One batch of the toy task: features and labels it owns.</summary>
internal sealed class ToyBatch(Tensor x, Tensor y) : IDisposable
{
    public Tensor X { get; } = x;

    public Tensor Y { get; } = y;

    public void Dispose()
    {
        X.Dispose();
        Y.Dispose();
    }
}

/// <summary>
/// A three-class problem on 8 features (64 samples, batches of 16 shuffled per epoch from the epoch number) for a small
/// MLP with dropout, quantized with LSQ: enough for the trainer's loop, resume, logging and divergence handling.
/// </summary>
internal sealed class ToyTask : ITrainingTask<ToyBatch>, IDisposable
{
    private readonly Tensor _x;
    private readonly Tensor _y;
    private readonly nn.Module<Tensor, Tensor> _model;

    /// <summary>The same data always; <paramref name="weightSeed"/> draws the initial weights.</summary>
    public ToyTask(bool quantize = true, ulong weightSeed = 7, QuantPolicy? policy = null)
    {
        using (var data = new Generator(5))
        {
            _x = randn([64, 8], generator: data);
            _y = _x[.., ..3].argmax(1);
        }

        using (var generator = new Generator(weightSeed))
        {
            _model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3));
            using (no_grad())
            {
                foreach (Parameter p in _model.parameters())
                {
                    p.copy_(rand(p.shape, generator: generator).sub_(0.5));
                }
            }
        }

        if (quantize)
        {
            _model.Quantize(policy ?? QuantPolicy.For<Linear>().Use<LSQLinear>(4, 4));
        }
    }

    /// <summary>A hook run before each forward: (epoch-local iteration counter) → nothing; lets tests poison parameters.</summary>
    public Action<int>? BeforeForward { get; set; }

    /// <summary>Added to the loss of each forward (given the forward's number), or null: lets tests poison gradients.</summary>
    public Func<int, Tensor?>? ExtraLoss { get; set; }

    public int Forwards { get; private set; }

    public nn.Module Model => _model;

    public nn.Module<Tensor, Tensor> Network => _model;

    public int IterationsPerEpoch => 4;

    public IEnumerable<ToyBatch> Batches(int epoch)
    {
        int[] order = Enumerable.Range(0, 64).ToArray();
        new Random(epoch).Shuffle(order);
        for (int b = 0; b < IterationsPerEpoch; b++)
        {
            using Tensor index = tensor(order[(b * 16)..((b + 1) * 16)].Select(i => (long)i).ToArray());
            yield return new ToyBatch(_x.index_select(0, index), _y.index_select(0, index));
        }
    }

    public StepOutput Forward(ToyBatch batch)
    {
        int forward = Forwards++;
        BeforeForward?.Invoke(forward);
        Tensor logits = _model.call(batch.X);
        Tensor loss = nn.functional.cross_entropy(logits, batch.Y);
        if (ExtraLoss?.Invoke(forward) is { } extra)
        {
            loss = loss + extra;
        }

        double accuracy = 100.0 * logits.argmax(1).eq(batch.Y).sum().item<long>() / batch.Y.shape[0];
        return new StepOutput(loss, (int)batch.Y.shape[0], [KeyValuePair.Create("top-1", accuracy)]);
    }

    public void Dispose()
    {
        _model.Dispose();
        _x.Dispose();
        _y.Dispose();
    }
}

internal static class TrainerTestSupport
{
    public static OptimizerConfig Sgd(double lr = 0.1) => new() { Type = "SGD", Lr = lr, Momentum = 0.9, WeightDecay = 1e-3 };

    public static LrSchedule Cosine(double lr, int epochs, int perEpoch) =>
        new(new LrConfig { Policy = "CosineAnnealing", MinLr = 0, Warmup = "linear", WarmupIters = 3, WarmupRatio = 0.25 }, lr, epochs, perEpoch);

    /// <summary>A trainer over <paramref name="task"/> with its own optimizer, writing into <paramref name="workDir"/>.</summary>
    public static (Trainer<ToyBatch> Trainer, TrainingOptimizer Optimizer, TrainingLog Log) Create(
        ToyTask task, string? workDir, int epochs, TextWriter? console = null, TrainerOptions? options = null)
    {
        TrainingOptimizer optimizer = OptimizerFactory.Create(task.Model, Sgd());
        var log = new TrainingLog(console ?? TextWriter.Null, workDir, DateTimeOffset.Now);
        options ??= new TrainerOptions();
        options.TotalEpochs = epochs;
        options.WorkDir = workDir;
        options.LogInterval = 2;
        options.Seed = 11;
        return (new Trainer<ToyBatch>(task, optimizer, Cosine(0.1, epochs, task.IterationsPerEpoch), options, log), optimizer, log);
    }

    /// <summary>Every tensor of the module's state dict as float64 values, by key.</summary>
    public static Dictionary<string, double[]> Snapshot(nn.Module module) =>
        module.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().cpu().to(float64).data<double>().ToArray());
}
