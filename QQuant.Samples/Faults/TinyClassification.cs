using QQuant.Training;
using QQuant.Vision;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Samples.Faults;

/// <summary>One batch of <see cref="TinyClassification"/>: images and labels it owns.</summary>
internal sealed class TinyBatch(Tensor images, Tensor labels) : IDisposable
{
    public Tensor Images { get; } = images;

    public Tensor Labels { get; } = labels;

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}

/// <summary>
/// A CifarResNet-8 (8 base channels, one input channel) on four classes of random 12×12 images: a real classifier's
/// module paths, trained by the library's <see cref="Trainer{TBatch}"/> in milliseconds per step.
/// </summary>
internal sealed class TinyClassification : ITrainingTask<TinyBatch>, IDisposable
{
    public const int Classes = 4;
    public const int ImageSize = 12;
    private const int BatchSize = 8;

    private readonly Tensor _images;
    private readonly Tensor _labels;

    /// <summary>The same data for a given <paramref name="seed"/>; the weights follow it too.</summary>
    public TinyClassification(long seed, QuantPolicy? policy, int iterationsPerEpoch = 4)
    {
        IterationsPerEpoch = iterationsPerEpoch;
        using (var generator = new Generator((ulong)seed))
        {
            _images = randn([BatchSize * iterationsPerEpoch, 1, ImageSize, ImageSize], generator: generator);
            _labels = randint(Classes, [BatchSize * iterationsPerEpoch], generator: generator);
        }

        Classifier = NewClassifier(seed, policy);
    }

    /// <summary>A fresh classifier of the task's architecture, its weights drawn from <paramref name="seed"/>.</summary>
    public static ImageClassifier NewClassifier(long seed, QuantPolicy? policy)
    {
        // The layers draw their initial weights from torch's global generator.
        manual_seed(seed);
        var backbone = new CifarResNet(new CifarResNetOptions { Depth = 8, InChannels = 1, BaseChannels = 8 });
        var classifier = new ImageClassifier(backbone, new GlobalAveragePooling(),
            new LinearClsHead(new LinearClsHeadOptions { NumClasses = Classes, InChannels = backbone.OutChannels }));
        if (policy is not null)
        {
            classifier.Quantize(policy);
        }

        return classifier;
    }

    /// <summary>Called with the 0-based number of the forward about to run (counted over the whole run).</summary>
    public Action<int, TinyClassification>? BeforeForward { get; set; }

    /// <summary>Added to the loss of each forward, or null (lets a fault give a parameter a poisoned gradient).</summary>
    public Func<int, Tensor?>? ExtraLoss { get; set; }

    public ImageClassifier Classifier { get; }

    public nn.Module Model => Classifier;

    public int IterationsPerEpoch { get; }

    public int Forwards { get; private set; }

    public IEnumerable<TinyBatch> Batches(int epoch)
    {
        int[] order = Enumerable.Range(0, (int)_labels.shape[0]).ToArray();
        new Random(epoch).Shuffle(order);
        for (int b = 0; b < IterationsPerEpoch; b++)
        {
            using Tensor index = tensor(order[(b * BatchSize)..((b + 1) * BatchSize)].Select(i => (long)i).ToArray());
            yield return new TinyBatch(_images.index_select(0, index), _labels.index_select(0, index));
        }
    }

    public StepOutput Forward(TinyBatch batch)
    {
        int forward = Forwards++;
        BeforeForward?.Invoke(forward, this);
        Tensor loss = Classifier.Loss(Classifier.call(batch.Images), batch.Labels);
        if (ExtraLoss?.Invoke(forward) is { } extra)
        {
            loss = loss + extra;
        }

        return new StepOutput(loss, BatchSize, []);
    }

    /// <summary>A trainer of this task (SGD with momentum, cosine schedule) writing checkpoints into <paramref name="workDir"/>.</summary>
    public (Trainer<TinyBatch> Trainer, TrainingOptimizer Optimizer, TrainingLog Log) NewTrainer(string? workDir, int epochs, long seed)
    {
        TrainingOptimizer optimizer = OptimizerFactory.Create(Model, new OptimizerConfig { Type = "SGD", Lr = 0.05, Momentum = 0.9, WeightDecay = 1e-4 });
        var log = new TrainingLog(TextWriter.Null, workDir, DateTimeOffset.UnixEpoch);
        var schedule = new LrSchedule(new LrConfig { Policy = "CosineAnnealing", MinLr = 0 }, 0.05, epochs, IterationsPerEpoch);
        var options = new TrainerOptions
        {
            TotalEpochs = epochs, WorkDir = workDir, LogInterval = IterationsPerEpoch, CheckpointInterval = 1, EvaluationInterval = 0, Seed = seed,
        };
        return (new Trainer<TinyBatch>(this, optimizer, schedule, options, log), optimizer, log);
    }

    /// <summary>True when the tensors have the same type, shape and bytes (NaN payloads included).</summary>
    public static bool SameBits(Tensor a, Tensor b)
    {
        if (a.dtype != b.dtype || !a.shape.SequenceEqual(b.shape))
        {
            return false;
        }

        using Tensor x = a.cpu().contiguous();
        using Tensor y = b.cpu().contiguous();
        return x.bytes.SequenceEqual(y.bytes);
    }

    public void Dispose()
    {
        Classifier.Dispose();
        _images.Dispose();
        _labels.Dispose();
    }
}
