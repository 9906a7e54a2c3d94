using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Distributed;
using QQuant.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Samples.Commands;

/// <summary>
/// <c>qquant bench dist [--processes 2] [--json f]</c>: what data parallelism costs. For CifarResNet-20 (batch 128 per
/// process, 32x32) and ResNet-18 (batch 16 per process, 224x224), LSQ 4w4f with 8-bit ends, with 1 process (here)
/// and with <c>--processes</c> processes (this command again under <c>mpirun</c>): the training step's median time,
/// the shares of the gradient allreduce, of the loss reduction (where the faster process waits for the slower) and of
/// everything else outside forward, backward and optimizer; the bytes reduced per step; images per second over all
/// processes; and the bucketed allreduce against one allreduce per tensor (alternated in the same run).
/// </summary>
internal static class BenchDistCommand
{
    private sealed record BenchModel(string Name, string Json, int Size, int Batch);

    private static readonly BenchModel[] Models =
    [
        new("CifarResNet-20",
            """{ "model": { "type": "ImageClassifier", "backbone": { "type": "CifarResNet", "depth": 20, "inChannels": 3 }, "neck": { "type": "GlobalAveragePooling" }, "head": { "type": "LinearClsHead", "numClasses": 10, "inChannels": 64 } } }""",
            32, 128),
        new("ResNet-18",
            """{ "model": { "type": "ImageClassifier", "backbone": { "type": "ResNet", "depth": 18 }, "neck": { "type": "GlobalAveragePooling" }, "head": { "type": "LinearClsHead", "numClasses": 1000, "inChannels": 512 } } }""",
            224, 16),
    ];

    public static Command Create(TextWriter output, TerminalProgress progress)
    {
        var json = CliOptions.Json("the rows (an array)");
        var runs = new Option<int>("--runs") { Description = "Timed steps per row after two warm-up steps (medians are compared).", DefaultValueFactory = _ => 5 };
        var processes = new Option<int>("--processes") { Description = "Processes of the distributed rows (started with mpirun); 1 measures this process only.", DefaultValueFactory = _ => 2 };
        var model = new Option<string[]>("--model") { Description = "Which models (default: both).", AllowMultipleArgumentsPerToken = true }
            .AcceptOnly([.. Models.Select(m => m.Name)]);
        var tcp = new Option<bool>("--tcp") { Description = "Connect the processes over TCP on loopback (as separate machines would) instead of shared memory." };
        var rowsOut = new Option<FileInfo?>("--rows-out") { Hidden = true };
        var command = new Command("dist", "Step time, allreduce share and throughput of data-parallel QAT with 1 and N processes (CifarResNet-20, ResNet-18).")
        {
            json, runs, processes, model, tcp, rowsOut,
        };
        command.SetAction(parsed =>
            Run(output, parsed.GetValue(json)?.FullName, parsed.GetValue(runs), parsed.GetValue(processes), parsed.GetValue(model) ?? [], parsed.GetValue(tcp),
                parsed.GetValue(rowsOut)?.FullName, progress));
        return command;
    }

    private static int Run(TextWriter output, string? jsonPath, int runs, int processes, string[] names, bool tcp, string? rowsOut, TerminalProgress progress)
    {
        if (runs < 1 || processes < 1)
        {
            throw new QQuantException("--runs and --processes must be at least 1.");
        }

        BenchModel[] chosen = [.. Models.Where(m => names.Length == 0 || names.Contains(m.Name))];
        if (rowsOut is not null)
        {
            // The distributed half, inside mpirun: rank 0 hands its rows to the command that started it.
            using MpiProcessGroup group = MpiProcessGroup.Start();
            MpiProcessGroup.ShareCores();
            JsonArray measured = Measure(group, chosen, runs);
            if (group.Rank == 0)
            {
                File.WriteAllText(rowsOut, measured.ToJsonString());
            }

            return 0;
        }

        output.WriteLine($"LSQ 4w4f (first conv and fc 8-bit), random data, SGD; {runs} timed steps, medians; {Environment.ProcessorCount} cores shared by the processes; "
                         + (tcp ? "TCP on loopback" : "shared memory"));
        output.WriteLine("model           processes  batch/process  step ms  allreduce ms  allreduce share  wait share  other share  MB/step  images/s  bucketed ms  per-tensor ms  bucket/per-tensor");
        var rows = new JsonArray();
        foreach (JsonNode? row in Measure(SingleProcessGroup.Instance, chosen, runs, progress))
        {
            rows.Add(row!.DeepClone());
        }

        if (processes > 1)
        {
            progress.Line("bench dist", 1, 1, $"{string.Join(", ", chosen.Select(m => m.Name))} with {processes} processes (mpirun)");
            foreach (JsonNode? row in Distributed(processes, chosen, runs, tcp))
            {
                rows.Add(row!.DeepClone());
            }
        }

        foreach (JsonNode? row in rows.OrderBy(r => r!["model"]!.GetValue<string>(), StringComparer.Ordinal).ThenBy(r => r!["processes"]!.GetValue<int>()))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{row!["model"],-15} {row["processes"],9}  {row["batch_per_process"],13}  {Value(row, "step_ms"),7:F1}  {Value(row, "allreduce_ms"),12:F1}  "
                + $"{Value(row, "allreduce_share"),15:P1}  {Value(row, "wait_share"),10:P1}  {Value(row, "other_share"),11:P1}  {Value(row, "mb_per_step"),7:F1}  "
                + $"{Value(row, "images_per_second"),8:F1}  {Value(row, "bucketed_ms"),11:F1}  {Value(row, "per_tensor_ms"),13:F1}  {Value(row, "bucket_over_per_tensor"),17:F2}"));
        }

        if (jsonPath is not null)
        {
            BenchOutput.WriteJson(output, jsonPath, rows);
        }

        return 0;
    }

    private static double Value(JsonNode row, string key) => row[key]!.GetValue<double>();

    // This command again, under mpirun with the given number of processes; their rows.
    private static JsonArray Distributed(int processes, BenchModel[] models, int runs, bool tcp)
    {
        string mpirun = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
                            .Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists)
                        ?? throw new QQuantException("bench dist starts its distributed rows with mpirun, which is not on PATH: install Open MPI (apt install openmpi-bin), or pass --processes 1.");
        string rows = Path.Combine(Path.GetTempPath(), $"qquant-bench-dist-{Environment.ProcessId}.json");
        string self = Environment.ProcessPath!;
        List<string> command = Path.GetFileNameWithoutExtension(self) == "dotnet" ? [self, typeof(BenchDistCommand).Assembly.Location] : [self];
        var start = new ProcessStartInfo(mpirun) { RedirectStandardOutput = true, RedirectStandardError = true };
        List<string> arguments = [.. Environment.IsPrivilegedProcess ? ["--allow-run-as-root"] : Array.Empty<string>(), "--oversubscribe", "--bind-to", "none",
            .. tcp ? ["--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", "lo"] : Array.Empty<string>(), "-np", processes.ToString(CultureInfo.InvariantCulture), .. command, "bench", "dist", "--runs", runs.ToString(CultureInfo.InvariantCulture),
            "--rows-out", rows, "--model", .. models.Select(m => m.Name)];
        arguments.ForEach(start.ArgumentList.Add);
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        try
        {
            if (process.ExitCode != 0 || !File.Exists(rows))
            {
                throw new QQuantException($"mpirun -np {processes} bench dist failed (exit code {process.ExitCode}): {(output.Result + error.Result).Trim()}");
            }

            return JsonNode.Parse(File.ReadAllText(rows))!.AsArray();
        }
        finally
        {
            File.Delete(rows);
        }
    }

    private static JsonArray Measure(IProcessGroup group, BenchModel[] models, int runs, TerminalProgress? progress = null)
    {
        using ServiceProvider services = CliServices.Create();
        var factory = services.GetRequiredService<ClassifierFactory>();
        var rows = new JsonArray();
        foreach (BenchModel bench in models)
        {
            progress?.Line("bench dist", rows.Count + 1, models.Length, $"{bench.Name}, {group.Size} process{(group.Size == 1 ? "" : "es")}");
            manual_seed(0);
            (ImageClassifier model, _) = factory.Build(ConfigDocument.Parse(bench.Json, bench.Name).ToConfiguration());
            using (model)
            using (var scope = NewDisposeScope())
            {
                model.Quantize(QuickstartCommand.Policy());
                Tensor images = randn(bench.Batch, 3, bench.Size, bench.Size);
                Tensor labels = randint(0, model.Head.NumClasses, [bench.Batch]);
                QuantCalibration.Calibrate(model, [images]);
                group.BroadcastState(model);
                model.train();
                var optimizer = optim.SGD(model.parameters(), 1e-4, momentum: 0.9);
                using var buckets = new GradientBuckets(model.parameters());
                var steps = new List<double>();
                var reductions = new List<double>();
                var waits = new List<double>();
                var others = new List<double>();
                for (int i = 0; i < runs + 2; i++)
                {
                    (double step, double reduce, double wait, double other) = Step(group, model, optimizer, buckets, images, labels);
                    if (i >= 2)
                    {
                        steps.Add(step);
                        reductions.Add(reduce);
                        waits.Add(wait);
                        others.Add(other);
                    }
                }

                (double bucketed, double versusPerTensor) = BenchTiming.Alternating(
                    runs, () => Time(() => buckets.Average(group)), () => Time(() => buckets.Average(group, perTensor: true)));
                double stepMs = BenchTiming.Median(steps);
                rows.Add(new JsonObject
                {
                    ["model"] = bench.Name,
                    ["processes"] = group.Size,
                    ["batch_per_process"] = bench.Batch,
                    ["step_ms"] = stepMs,
                    ["allreduce_ms"] = BenchTiming.Median(reductions),
                    ["allreduce_share"] = BenchTiming.Median([.. reductions.Zip(steps, (r, s) => r / s)]),
                    ["mb_per_step"] = group.Size > 1 ? buckets.Bytes / 1e6 : 0,
                    ["images_per_second"] = bench.Batch * group.Size / (stepMs / 1000),
                    ["wait_share"] = BenchTiming.Median([.. waits.Zip(steps, (w, s) => w / s)]),
                    ["bucketed_ms"] = group.Size > 1 ? bucketed : 0,
                    ["per_tensor_ms"] = group.Size > 1 ? bucketed / versusPerTensor : 0,
                    ["bucket_over_per_tensor"] = group.Size > 1 ? versusPerTensor : 1,
                    ["other_share"] = BenchTiming.Median([.. others.Zip(steps, (o, s) => o / s)]),
                });
            }
        }

        return rows;
    }

    // One training step as the trainer takes it with several processes: its time, the gradient allreduce's, the loss
    // reduction's (where a process waits for the slower one), and what is outside those, forward, backward and the
    // optimizer (the broadcast of rank 0's buffers, bookkeeping).
    private static (double Step, double Reduce, double Wait, double Other) Step(
        IProcessGroup group, ImageClassifier model, optim.Optimizer optimizer, GradientBuckets buckets, Tensor images, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var clock = Stopwatch.StartNew();
        optimizer.zero_grad();
        double buffersStart = clock.Elapsed.TotalMilliseconds;
        group.BroadcastBuffers(model);
        double buffers = clock.Elapsed.TotalMilliseconds - buffersStart;
        Tensor loss = nn.functional.cross_entropy(model.call(images), labels);
        double value = loss.item<float>();
        loss.backward();
        double computed = clock.Elapsed.TotalMilliseconds;
        double[] sums = [value, double.IsFinite(value) ? 0 : 1];
        group.AllReduceSum(sums);
        double beforeReduce = clock.Elapsed.TotalMilliseconds;
        buckets.Average(group);
        double reduced = clock.Elapsed.TotalMilliseconds;
        optimizer.step();
        double optimizerMs = clock.Elapsed.TotalMilliseconds - reduced;
        double total = clock.Elapsed.TotalMilliseconds;
        double reduce = reduced - beforeReduce, wait = beforeReduce - computed;
        return (total, reduce, wait, total - (computed - buffers) - wait - reduce - optimizerMs);
    }

    private static double Time(Action run)
    {
        var clock = Stopwatch.StartNew();
        run();
        return clock.Elapsed.TotalMilliseconds;
    }
}
