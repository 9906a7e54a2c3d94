using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Export;
using QQuant.Quantizers;
using QQuant.Training;
using QQuant.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Samples.Faults;

/// <summary>
/// <c>concurrency</c>: an LSQ 4-bit classifier's <see cref="ClassifierInference.Predict(IReadOnlyList{Image})"/> (images
/// in memory, single and batched, and image files) and the same model exported to ONNX and run by
/// <see cref="OnnxClassifier"/>, called from <see cref="Threads"/> threads at once; then one thread trains another model
/// with the <see cref="Trainer{TBatch}"/> while another keeps predicting. Survived: a call whose predictions equal those
/// of the same call made sequentially, bit for bit; and a training run whose final state equals, bit for bit, that of the
/// same run made alone.
/// </summary>
internal sealed class ConcurrencyFaults : IFaultClass
{
    public const int Threads = 8;
    private const int DistinctImages = 16;
    private static readonly string[] ClassNames = ["circle", "square", "stripe", "noise"];

    public string Name => "concurrency";

    public string Description =>
        $"Predict (TorchSharp and ONNX) from {Threads} threads, and inference beside a training run: every result equals the sequential one bit for bit.";

    public int Cases(bool full) => full ? 2000 : 200;

    public FaultOutcome Run(FaultRun run)
    {
        using ServiceProvider services = CliServices.Create();
        using Predictors predictors = Predictors.Create(services.GetRequiredService<ClassifierFactory>(), run.Folder, run.Seed);
        IReadOnlyList<Request> requests = predictors.Requests();
        IReadOnlyList<Prediction>[] expected = [.. requests.Select(r => r.Call())];

        int besideTraining = Math.Max(1, run.Cases / 10);
        int alone = Math.Max(1, run.Cases - besideTraining - 1);
        var results = new string?[alone + besideTraining];
        CallConcurrently(requests, expected, results, 0, alone, Threads, run.Seed);
        string? training = TrainBesideInference(requests, expected, results, alone, besideTraining, run.Seed);

        var tally = new FaultTally();
        foreach (string? failure in results.Append(training))
        {
            if (failure is null)
            {
                tally.Pass();
            }
            else
            {
                tally.Fail(failure);
            }
        }

        return tally.Outcome();
    }

    /// <summary>One call the threads repeat, with what it is for messages.</summary>
    internal sealed record Request(string What, Func<IReadOnlyList<Prediction>> Call);

    /// <summary>
    /// Calls <paramref name="count"/> requests (chosen in a seeded order) from <paramref name="threads"/> threads and
    /// writes into <paramref name="results"/>[<paramref name="first"/> + i] null or what went wrong with call i.
    /// </summary>
    internal static void CallConcurrently(IReadOnlyList<Request> requests, IReadOnlyList<Prediction>[] expected, string?[] results,
        int first, int count, int threads, int seed)
    {
        int next = -1;
        using var start = new Barrier(threads);
        Thread[] workers = [.. Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                results[first + i] = Check(requests, expected, Pick(i, seed, requests.Count), $"call {i} on thread {t}");
            }
        }) { IsBackground = true })];
        Array.ForEach(workers, w => w.Start());
        Join(workers, results, first, count);
    }

    private static int Pick(int call, int seed, int requests) => (int)(((long)call * 7 + seed) % requests);

    private static string? Check(IReadOnlyList<Request> requests, IReadOnlyList<Prediction>[] expected, int request, string where)
    {
        try
        {
            IReadOnlyList<Prediction> actual = requests[request].Call();
            return actual.SequenceEqual(expected[request])
                ? null
                : $"{where}, {requests[request].What}: got {Describe(actual)}, sequentially {Describe(expected[request])}";
        }
        catch (Exception e)
        {
            return $"{where}, {requests[request].What}: {e.GetType().Name}: {e.Message}";
        }
    }

    private static string Describe(IReadOnlyList<Prediction> predictions) =>
        string.Join("; ", predictions.Select(p => $"{p.PredClass} {p.PredScore:R}"));

    private static void Join(Thread[] workers, string?[] results, int first, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        foreach (Thread worker in workers)
        {
            if (!worker.Join(Max(deadline - DateTime.UtcNow, TimeSpan.Zero)))
            {
                for (int i = first; i < first + count; i++)
                {
                    results[i] ??= "not finished after 5 minutes (a hang)";
                }

                return;
            }
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>
    /// Trains a small LSQ classifier alone, then again on one thread while another thread makes
    /// <paramref name="calls"/> predictions (written into <paramref name="results"/> from <paramref name="first"/>);
    /// null when both training runs end in the same state, bit for bit.
    /// </summary>
    internal static string? TrainBesideInference(IReadOnlyList<Request> requests, IReadOnlyList<Prediction>[] expected, string?[] results,
        int first, int calls, int seed)
    {
        Dictionary<string, Tensor> alone = Train(seed);
        Dictionary<string, Tensor>? beside = null;
        Exception? failed = null;
        using var start = new Barrier(2);
        var trainer = new Thread(() =>
        {
            start.SignalAndWait();
            try
            {
                beside = Train(seed);
            }
            catch (Exception e)
            {
                failed = e;
            }
        }) { IsBackground = true };
        var predictor = new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < calls; i++)
            {
                results[first + i] = Check(requests, expected, Pick(i, seed + 1, requests.Count), $"call {i} beside training");
            }
        }) { IsBackground = true };
        trainer.Start();
        predictor.Start();
        Join([trainer, predictor], results, first, calls);
        try
        {
            if (failed is not null)
            {
                return $"training beside inference failed: {failed.GetType().Name}: {failed.Message}";
            }

            if (beside is null)
            {
                return "training beside inference did not finish after 5 minutes (a hang)";
            }

            string[] differing = [.. alone.Where(p => !beside.TryGetValue(p.Key, out Tensor? other) || !TinyClassification.SameBits(p.Value, other)).Select(p => p.Key)];
            return differing.Length == 0 && beside.Count == alone.Count
                ? null
                : $"training beside inference ended in another state than alone: {string.Join(", ", differing.Take(5))}";
        }
        finally
        {
            foreach (Tensor t in alone.Values.Concat(beside?.Values.AsEnumerable() ?? []))
            {
                t.Dispose();
            }
        }
    }

    /// <summary>Two epochs of the tiny LSQ task; the final model state, copied.</summary>
    internal static Dictionary<string, Tensor> Train(long seed)
    {
        using var task = new TinyClassification(seed, QuantPolicy.For<Conv2d>().Use<LSQConv>(w: 4, a: 4).Except("backbone.conv1").Build());
        (Trainer<TinyBatch> trainer, TrainingOptimizer optimizer, TrainingLog log) = task.NewTrainer(null, 2, seed);
        using (optimizer)
        using (log)
        {
            trainer.Run();
        }

        return task.Model.state_dict().ToDictionary(p => p.Key, p => p.Value.detach().clone());
    }

    /// <summary>The classifier under test, opened twice: by <see cref="ClassifierInference"/> and, exported, by <see cref="OnnxClassifier"/>.</summary>
    internal sealed class Predictors : IDisposable
    {
        private readonly List<Image<L8>> _images;
        private readonly string[] _files;

        private Predictors(ClassifierInference inference, OnnxClassifier onnx, List<Image<L8>> images, string[] files)
        {
            Inference = inference;
            Onnx = onnx;
            _images = images;
            _files = files;
        }

        public ClassifierInference Inference { get; }

        public OnnxClassifier Onnx { get; }

        private const string Pipeline = """
            [ { "type": "Normalize", "mean": [ 128 ], "std": [ 64 ], "toRgb": false },
              { "type": "ImageToTensor", "keys": [ "img" ] }, { "type": "Collect", "keys": [ "img" ] } ]
            """;

        private static readonly string Config = $$"""
            {
              "model": { "type": "ImageClassifier",
                         "backbone": { "type": "CifarResNet", "depth": 8, "inChannels": 1, "baseChannels": 8 },
                         "neck": { "type": "GlobalAveragePooling" },
                         "head": { "type": "LinearClsHead", "numClasses": {{ClassNames.Length}}, "inChannels": 32 } },
              "quantTransformer": { "type": "QuantTransformer", "policy": { "Conv2d": { "type": "LSQConv", "w": 4, "a": 4 } },
                                    "except": [ "backbone.conv1" ] },
              "data": { "test": { "pipeline": {{Pipeline}} } }
            }
            """;

        /// <summary>Trains the config's model a few steps (so its quantizers are initialised), saves, exports and opens it.</summary>
        public static Predictors Create(ClassifierFactory factory, string folder, int seed)
        {
            IConfiguration config = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(Config))).Build();
            string checkpoint = Path.Combine(folder, "model.ckpt");
            (ImageClassifier model, _) = factory.Build(config);
            using (model)
            using (var optimizer = optim.SGD(model.parameters(), 0.05))
            using (var generator = new Generator((ulong)seed))
            {
                model.train();
                for (int step = 0; step < 3; step++)
                {
                    using var scope = NewDisposeScope();
                    Tensor images = randn([8, 1, TinyClassification.ImageSize, TinyClassification.ImageSize], generator: generator);
                    Tensor labels = randint(ClassNames.Length, [8], generator: generator);
                    optimizer.zero_grad();
                    model.Loss(model.call(images), labels).backward();
                    optimizer.step();
                }

                Checkpoint.Save(checkpoint, model, optimizer, new CheckpointMeta { Epoch = 1, Classes = ClassNames });
            }

            ClassifierInference inference = factory.OpenForInference(config, checkpoint);
            OnnxClassifier? onnx = null;
            try
            {
                string onnxPath = Path.Combine(folder, "model.onnx");
                inference.Model.ExportOnnx(onnxPath, new OnnxExportOptions
                {
                    InputShape = [1, 1, TinyClassification.ImageSize, TinyClassification.ImageSize],
                    Metadata = new Dictionary<string, string>
                    {
                        [OnnxClassifier.ClassesKey] = JsonSerializer.Serialize(ClassNames),
                        [OnnxClassifier.InChannelsKey] = "1",
                        [OnnxClassifier.PipelineKey] = System.Text.Json.Nodes.JsonNode.Parse(Pipeline)!.ToJsonString(),
                    },
                });
                onnx = factory.OpenOnnx(onnxPath);
                var random = new Random(seed);
                List<Image<L8>> images = [.. Enumerable.Range(0, DistinctImages).Select(_ => Picture(random))];
                string[] files = [.. images.Select((image, i) =>
                {
                    string path = Path.Combine(folder, $"image{i}.png");
                    image.SaveAsPng(path);
                    return path;
                })];
                return new Predictors(inference, onnx, images, files);
            }
            catch
            {
                onnx?.Dispose();
                inference.Dispose();
                throw;
            }
        }

        private static Image<L8> Picture(Random random)
        {
            var image = new Image<L8>(TinyClassification.ImageSize, TinyClassification.ImageSize);
            for (int y = 0; y < image.Height; y++)
            {
                for (int x = 0; x < image.Width; x++)
                {
                    image[x, y] = new L8((byte)random.Next(256));
                }
            }

            return image;
        }

        /// <summary>The calls the threads make: single and batched images in memory, files, and the ONNX model on files.</summary>
        public IReadOnlyList<Request> Requests()
        {
            var requests = new List<Request>();
            for (int i = 0; i < DistinctImages; i++)
            {
                int n = i;
                Image<L8>[] three = [_images[n], _images[(n + 5) % DistinctImages], _images[(n + 11) % DistinctImages]];
                string[] two = [_files[n], _files[(n + 3) % DistinctImages]];
                requests.Add(new Request($"Predict(image {n})", () => [Inference.Predict(_images[n])]));
                requests.Add(new Request($"Predict(images {n}, {n + 5}, {n + 11} mod {DistinctImages})", () => Inference.Predict(three)));
                requests.Add(new Request($"Predict(file {n})", () => [Inference.Predict(_files[n])]));
                requests.Add(new Request($"ONNX Predict(files {n}, {n + 3} mod {DistinctImages})", () => Onnx.Predict(two)));
            }

            return requests;
        }

        public void Dispose()
        {
            Onnx.Dispose();
            Inference.Dispose();
            _images.ForEach(i => i.Dispose());
        }
    }
}
