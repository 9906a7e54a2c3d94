using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Quantizers;
using QQuant.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Samples.Commands;

/// <summary>
/// <c>qquant bench qat [--json f]</c>: what QAT costs over float training. For CifarResNet-20 (batch 128, 32x32x3) and
/// ResNet-18 (batch 16, 224x224x3), one training step (forward, loss, backward, SGD step) and one evaluation forward of
/// the float model and of each method at 4w4f (first conv and fc 8-bit, as the shipped configs), timed alternately
/// with the float model's in one process; and the peak memory of a step over the process's memory before the model
/// was built, as a ratio to float's (measured after all timings; see <see cref="ProcessMemory.FollowsLiveMemory"/>).
/// <c>--breakdown</c> adds rows with only the weights or only the inputs quantized, <c>--kept</c> a row whose
/// convolutions keep their quantized tensors for the backward instead of recomputing them.
/// </summary>
internal static class BenchQatCommand
{
    private sealed record BenchModel(string Name, string Json, int Batch, int Size, int Classes);

    private static readonly BenchModel[] Models =
    [
        new("CifarResNet-20",
            """{ "model": { "type": "ImageClassifier", "backbone": { "type": "CifarResNet", "depth": 20, "inChannels": 3 }, "neck": { "type": "GlobalAveragePooling" }, "head": { "type": "LinearClsHead", "numClasses": 10, "inChannels": 64, "loss": { "type": "CrossEntropyLoss" } } } }""",
            128, 32, 10),
        new("ResNet-18",
            """{ "model": { "type": "ImageClassifier", "backbone": { "type": "ResNet", "depth": 18 }, "neck": { "type": "GlobalAveragePooling" }, "head": { "type": "LinearClsHead", "numClasses": 1000, "inChannels": 512, "loss": { "type": "CrossEntropyLoss" } } } }""",
            16, 224, 1000),
    ];

    private static readonly (string Name, Func<int, int, Action<QuantLayerOptions>, QuantPolicy> Policy)[] Methods =
    [
        ("LSQ", (w, a, o) => ShippedPolicies.WithEightBitEnds(b => b.Use<LSQConv>(w, a, o))),
        ("LSQ+", (w, a, o) => ShippedPolicies.WithEightBitEnds(b => b.Use<LSQPlusConv>(w, a, o))),
        ("DSQ", (w, a, o) => ShippedPolicies.WithEightBitEnds(b => b.Use<DSQConv>(w, a, o))),
        ("DoReFa", (w, a, o) => ShippedPolicies.WithEightBitEnds(b => b.Use<DoReFaConv>(w, a, o))),
        ("PACT", (w, a, o) => ShippedPolicies.WithEightBitEnds(b => b.Use<PACTConv>(w, a, o))),
        ("APoT", (w, a, o) => ShippedPolicies.WithEightBitEnds(b => b.Use<APoTConv>(w, a, o))),
        ("uniform", (w, a, o) => ShippedPolicies.WithEightBitEnds(b => b.Use<UniformConv>(w, a, o))),
    ];

    /// <summary>
    /// What a row quantizes in the 4-bit convolutions: both tensors, or (with --breakdown) one of them; and whether
    /// their backward recomputes the quantized tensors (with --kept, a row that keeps them).
    /// </summary>
    private sealed record Part(string Name, int WeightBits, int InputBits, bool Recompute = true);

    private static readonly Part Both = new("weights+inputs", 4, 4);

    private static readonly Part[] Breakdown = [new("weights", 4, 32), new("inputs", 32, 4)];

    private static readonly Part Kept = new("weights+inputs, kept", 4, 4, Recompute: false);

    public static Command Create(TextWriter output, TerminalProgress progress)
    {
        var json = CliOptions.Json("the rows (an array)");
        var runs = new Option<int>("--runs") { Description = "Timed steps per model and method after two warm-up steps (medians are compared).", DefaultValueFactory = _ => 5 };
        var model = new Option<string[]>("--model")
        {
            Description = "Which models to measure: CifarResNet-20, ResNet-18 (default: both).",
            AllowMultipleArgumentsPerToken = true,
        }.AcceptOnly([.. Models.Select(m => m.Name)]);
        var breakdown = new Option<bool>("--breakdown")
        {
            Description = "Also measure each method with only its weight quantizers (4w, inputs float) and with only its input quantizers (4a, weights float), to show where the cost goes.",
        };
        var kept = new Option<bool>("--kept")
        {
            Description = "Also measure each method with recomputeQuantized: false (the convolutions keep their quantized input and weight for the backward).",
        };
        var method = new Option<string[]>("--method")
        {
            Description = $"Which methods to measure: {string.Join(", ", Methods.Select(m => m.Name))} (default: all).",
            AllowMultipleArgumentsPerToken = true,
        }.AcceptOnly([.. Methods.Select(m => m.Name)]);
        var command = new Command("qat", "Training-step, evaluation and peak-memory ratios of 4w4f QAT to float training, for CifarResNet-20 and ResNet-18.")
        {
            json, runs, model, method, breakdown, kept,
        };
        command.SetAction(parsed =>
        {
            Part[] parts = [Both, .. parsed.GetValue(breakdown) ? Breakdown : [], .. parsed.GetValue(kept) ? [Kept] : Array.Empty<Part>()];
            return Run(output, parsed.GetValue(json)?.FullName, parsed.GetValue(runs), parsed.GetValue(model) ?? [], parsed.GetValue(method) ?? [], parts, progress);
        });
        return command;
    }

    private static int Run(TextWriter output, string? jsonPath, int runs, string[] names, string[] methods, Part[] parts, TerminalProgress progress)
    {
        if (runs < 1)
        {
            throw new QQuantException($"--runs must be at least 1; got {runs}.");
        }

        using ServiceProvider services = CliServices.Create();
        var factory = services.GetRequiredService<ClassifierFactory>();
        var rows = new JsonArray();
        output.WriteLine($"medians of {runs} steps, each alternating with a float step; {get_num_threads()} torch threads");
        output.WriteLine(ProcessMemory.FollowsLiveMemory
            ? "peak memory follows the live tensors (MALLOC_MMAP_THRESHOLD_ is set; the step times include the page faults this costs)"
            : "peak memory includes the blocks glibc keeps for reuse; set MALLOC_MMAP_THRESHOLD_=131072 for peaks of the live tensors");
        output.WriteLine("| model | method | quantized | train step ms | train ratio | eval ms | eval ratio | peak memory MB | memory ratio |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (BenchModel bench in Models.Where(m => names.Length == 0 || names.Contains(m.Name)))
        {
            // No dispose scope around the models: a scope would hold the weights of the float modules Quantize
            // replaces (as it holds every tensor made in it) until the scope ends.
            // One line for the float model, one per quantized row timed, and one for the memory peaks of them all.
            string stage = $"bench qat {bench.Name}";
            int steps = Methods.Count(m => methods.Length == 0 || methods.Contains(m.Name)) * parts.Length + 2;
            progress.Line(stage, 1, steps, "float");
            using var generator = new Generator(0);
            using Tensor images = randn([bench.Batch, 3, bench.Size, bench.Size], generator: generator);
            using Tensor labels = randint(bench.Classes, [bench.Batch], generator: generator);
            using Trainee floatModel = Build(factory, bench, null, images);
            (double floatTrain, double floatEval) = (BenchTiming.Median(runs, () => floatModel.Step(images, labels)), BenchTiming.Median(runs, () => floatModel.Evaluate(images)));
            var timed = new List<(string Method, QuantPolicy Policy, Part Part, double Train, double TrainRatio, double Eval, double EvalRatio)>();
            foreach ((string method, Func<int, int, Action<QuantLayerOptions>, QuantPolicy> policy) in Methods.Where(m => methods.Length == 0 || methods.Contains(m.Name)))
            {
                foreach (Part part in parts)
                {
                    progress.Line(stage, timed.Count + 2, steps, $"{method} {part.Name}");
                    QuantPolicy partPolicy = policy(part.WeightBits, part.InputBits, o => o.RecomputeQuantized = part.Recompute);
                    using Trainee quantized = Build(factory, bench, partPolicy, images);
                    (double train, double trainRatio) = BenchTiming.Alternating(runs, () => quantized.Step(images, labels), () => floatModel.Step(images, labels));
                    (double eval, double evalRatio) = BenchTiming.Alternating(runs, () => quantized.Evaluate(images), () => floatModel.Evaluate(images));
                    timed.Add((method, partPolicy, part, train, trainRatio, eval, evalRatio));
                }
            }

            // Memory after the timings, each from a freshly built model.
            progress.Line(stage, steps, steps, "peak memory");
            double floatMemory = PeakMegabytes(() => Build(factory, bench, null, images), images, labels);
            Report(output, rows, bench.Name, "float", "nothing", floatTrain, 1, floatEval, 1, floatMemory, 1);
            foreach (var (method, policy, part, train, trainRatio, eval, evalRatio) in timed)
            {
                double memory = PeakMegabytes(() => Build(factory, bench, policy, images), images, labels);
                Report(output, rows, bench.Name, method, part.Name, train, trainRatio, eval, evalRatio, memory, memory / floatMemory);
            }
        }

        if (jsonPath is not null)
        {
            BenchOutput.WriteJson(output, jsonPath, rows);
        }

        return 0;
    }

    private static Trainee Build(ClassifierFactory factory, BenchModel bench, QuantPolicy? policy, Tensor calibration)
    {
        torch.manual_seed(0);
        (ImageClassifier model, _) = factory.Build(ConfigDocument.Parse(bench.Json, bench.Name).ToConfiguration());
        if (policy is not null)
        {
            model.Quantize(policy);
            QuantCalibration.Calibrate(model, [calibration]);
        }

        model.train();
        return new Trainee(model, optim.SGD(model.parameters(), 0.01, momentum: 0.9));
    }

    /// <summary>
    /// The process's peak resident memory over one training step of a freshly built model (after two warm-up steps,
    /// so the optimizer state exists), less the resident memory before the model was built. The float modules that
    /// <c>Quantize</c> replaced are collected first: they hold their weights until .NET's garbage collector
    /// finalizes them, which is not a cost of the step (nor of a program that runs long enough for a full collection).
    /// </summary>
    private static double PeakMegabytes(Func<Trainee> build, Tensor images, Tensor labels)
    {
        Collect();
        double before = ProcessMemory.ResidentKilobytes();
        using Trainee trainee = build();
        Collect();
        trainee.Step(images, labels);
        trainee.Step(images, labels);
        ProcessMemory.ResetPeak();
        trainee.Step(images, labels);
        return (ProcessMemory.PeakKilobytes() - before) / 1024.0;
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static void Report(TextWriter output, JsonArray rows, string model, string method, string part, double train, double trainRatio, double eval, double evalRatio, double memory, double memoryRatio)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {model} | {method} | {part} | {train:0.0} | {trainRatio:0.00} | {eval:0.0} | {evalRatio:0.00} | {memory:0} | {memoryRatio:0.00} |"));
        rows.Add(new JsonObject
        {
            ["model"] = model,
            ["method"] = method,
            ["quantized"] = part,
            ["train_ratio"] = Math.Round(trainRatio, 3),
            ["eval_ratio"] = Math.Round(evalRatio, 3),
            ["memory_ratio"] = Math.Round(memoryRatio, 3),
            ["train_ms"] = Math.Round(train, 2),
            ["eval_ms"] = Math.Round(eval, 2),
            ["peak_memory_mb"] = Math.Round(memory, 1),
        });
    }

    /// <summary>A model and its optimizer, timed one step at a time.</summary>
    private sealed class Trainee(ImageClassifier model, optim.Optimizer optimizer) : IDisposable
    {
        public double Step(Tensor images, Tensor labels)
        {
            using var scope = NewDisposeScope();
            model.train();
            var stopwatch = Stopwatch.StartNew();
            optimizer.zero_grad();
            Tensor loss = model.Loss(model.call(images), labels);
            loss.backward();
            optimizer.step();
            return stopwatch.Elapsed.TotalMilliseconds;
        }

        public double Evaluate(Tensor images)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            if (model.training)
            {
                model.eval(); // once: setting the mode drops the quantized weights the layers keep for evaluation
            }

            var stopwatch = Stopwatch.StartNew();
            model.call(images);
            return stopwatch.Elapsed.TotalMilliseconds;
        }

        public void Dispose()
        {
            optimizer.Dispose();
            model.Dispose();
        }
    }
}
