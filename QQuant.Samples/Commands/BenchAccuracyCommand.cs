using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Training;
using QQuant.Vision;
using static QQuant.Samples.Commands.BenchAccuracyStarts;

namespace QQuant.Samples.Commands;

/// <summary>
/// <c>qquant bench accuracy [--quick] [--breakdown] [--json f]</c>: trains the float CifarResNet-20 on Fashion-MNIST from
/// the shipped config, then QAT-fine-tunes from that checkpoint with every method at 4w4f and LSQ, LSQ+, DSQ, APoT at
/// 2w2f (first conv and fc 8-bit), and prints a Markdown table of top-1 accuracy and its drop against float. The full run
/// (12 float epochs, and each method's config's own QAT epochs, to stay within two hours on two cores) checks the
/// accuracy targets; <c>--quick</c> runs on a part of the shipped subset and checks that every method trains to the end
/// and that float and LSQ 4w4f end far above chance. The start breakdown (on in the full run, <c>--breakdown</c> with
/// <c>--quick</c>) adds a second table: each QAT method's start with only its weights and with only its inputs
/// quantized, and every method's start at 8w8a, each measured by preparing the run (quantization, calibration,
/// BatchNorm re-estimation, evaluation) without training it; the full run checks the start goals.
/// </summary>
internal static class BenchAccuracyCommand
{
    /// <summary>
    /// Top-1 (percent) the float model and LSQ 4w4f must reach in quick mode (chance is 10 %). The clipping methods
    /// (DoReFa, PACT, APoT, uniform) and the 2-bit runs need more than the quick mode's 16 iterations to re-fit the
    /// batch-norm statistics to their rescaled outputs, so quick mode only checks that they finish.
    /// </summary>
    public const double QuickFloor = 40;

    internal static readonly BenchRun[] Runs =
    [
        new("float", 32, 32, "FLOAT/cres20/config1_cres20_float_m1_128_32w32f.json", null),
        new("LSQ", 4, 4, "LSQ/cres20/config1_cres20_lsq_m1_128_4w4f.json", 0.5),
        new("LSQ+", 4, 4, "LSQPlus/cres20/config1_cres20_lsqplus_m1_128_4w4f.json", 1.5),
        new("DSQ", 4, 4, "DSQ/cres20/config1_cres20_dsq_m1_128_4w4f.json", 1.5),
        new("DoReFa", 4, 4, "DoReFa/cres20/config1_cres20_dorefa_m1_128_4w4f.json", 1.5),
        new("PACT", 4, 4, "PACT/cres20/config1_cres20_pact_m1_128_4w4f.json", 1.5),
        new("APoT", 4, 4, "APoT/cres20/config1_cres20_apot_m1_128_4w4f.json", 1.5),
        new("uniform", 4, 4, "UQ/cres20/config1_cres20_uq_m1_128_4w4f.json", 1.5),
        new("LSQ", 2, 2, "LSQ/cres20/config2_cres20_lsq_m1_128_2w2f.json", 2.0),
        new("LSQ+", 2, 2, "LSQPlus/cres20/config2_cres20_lsqplus_m1_128_2w2f.json", null),
        new("DSQ", 2, 2, "DSQ/cres20/config2_cres20_dsq_m1_128_2w2f.json", null),
        new("APoT", 2, 2, "APoT/cres20/config2_cres20_apot_m1_128_2w2f.json", null),
    ];

    public static Command Create(TextWriter output, TextWriter error, TerminalProgress progress)
    {
        var quick = new Option<bool>("--quick") { Description = "A few minutes on 2 000 images of the shipped subset (CI): every method trains; float and LSQ 4w4f reach 40 %." };
        var json = CliOptions.Json("the tables (an object with the main table's rows and the start breakdown's starts)");
        var dataRoot = new Option<DirectoryInfo?>("--data-root")
        {
            Description = "Fashion-MNIST's IDX folder (default: /usr/share/datasets/fashion-mnist; with --quick the shipped subset).",
        };
        var floatEpochs = new Option<int?>("--float-epochs") { Description = "Float epochs (default: 12, --quick 3)." };
        var qatEpochs = new Option<int?>("--qat-epochs") { Description = "QAT epochs for every method (default: each config's totalEpochs, --quick 1)." };
        var calibrationBatches = new Option<int?>("--calibration-batches")
        {
            Description = "qatStart.calibrationBatches for every QAT run: training batches the quantizers are calibrated on before the first step (default: each config's).",
        };
        var batchNormBatches = new Option<int?>("--batchnorm-batches")
        {
            Description = "qatStart.batchNormBatches for every QAT run: training batches the BatchNorm statistics are re-estimated on after calibration (default: each config's).",
        };
        var breakdown = new Option<bool?>("--breakdown")
        {
            Description = "Also measure the start breakdown: each method's start with weights only and inputs only quantized, and at 8w8a (default: on; off with --quick).",
        };
        var noBreakdown = new Option<bool>("--no-breakdown") { Description = "Leave the start breakdown out (as --breakdown false)." };
        var floatCheckpoint = new Option<FileInfo?>("--float-checkpoint")
        {
            Description = "Start every QAT run from this float checkpoint (a float run of an earlier bench) instead of training float again; the float row is its test top-1.",
        };
        var workDir = CliOptions.WorkDir("work_dirs/bench_accuracy");
        var command = new Command("accuracy", "Top-1 of every method on Fashion-MNIST (CifarResNet-20, QAT from the float checkpoint) as a Markdown table.")
        {
            quick, json, dataRoot, floatEpochs, qatEpochs, calibrationBatches, batchNormBatches, breakdown, noBreakdown, floatCheckpoint, workDir,
        };
        command.SetAction(parsed =>
        {
            bool isQuick = parsed.GetValue(quick);
            string root = parsed.GetValue(dataRoot)?.FullName
                          ?? (isQuick ? Path.Combine(AppContext.BaseDirectory, "data", "fashion-mnist-subset") : "/usr/share/datasets/fashion-mnist");
            var epochs = (Float: parsed.GetValue(floatEpochs) ?? (isQuick ? 3 : 12), Qat: parsed.GetValue(qatEpochs) ?? (isQuick ? 1 : null));
            if (epochs.Float < 1 || epochs.Qat < 1)
            {
                throw new QQuantException("--float-epochs and --qat-epochs must be at least 1.");
            }

            var start = (Calibration: parsed.GetValue(calibrationBatches), BatchNorm: parsed.GetValue(batchNormBatches));
            bool withBreakdown = IncludesBreakdown(parsed);
            var bench = new BenchSettings(isQuick, root, epochs, start, parsed.GetValue(workDir)!.FullName);
            return Run(output, error, progress, bench, withBreakdown, parsed.GetValue(floatCheckpoint)?.FullName, parsed.GetValue(json));
        });
        return command;
    }

    /// <summary>
    /// Whether the start breakdown runs: <c>--breakdown [true|false]</c> or <c>--no-breakdown</c> when given, otherwise
    /// on in the full run and off with <c>--quick</c>.
    /// </summary>
    /// <exception cref="QQuantException"><c>--breakdown</c> (true) and <c>--no-breakdown</c> were both given.</exception>
    internal static bool IncludesBreakdown(ParseResult parsed)
    {
        bool? breakdown = parsed.GetValue<bool?>("--breakdown");
        bool off = parsed.GetValue<bool>("--no-breakdown");
        if (off && breakdown == true)
        {
            throw new QQuantException("--breakdown and --no-breakdown contradict each other: give one of them.");
        }

        return !off && (breakdown ?? !parsed.GetValue<bool>("--quick"));
    }

    private static int Run(TextWriter output, TextWriter error, TerminalProgress progress, BenchSettings bench, bool breakdown, string? reusedFloat, FileInfo? json)
    {
        (bool quick, string dataRoot, string workDir) = (bench.Quick, bench.DataRoot, bench.WorkDir);
        if (!File.Exists(Path.Combine(dataRoot, "train-images-idx3-ubyte.gz")) && !File.Exists(Path.Combine(dataRoot, "train-images-idx3-ubyte")))
        {
            throw new QQuantException($"Fashion-MNIST is not in '{dataRoot}': install Debian's dataset-fashion-mnist or pass --data-root <folder>.");
        }

        if (reusedFloat is not null && !File.Exists(reusedFloat))
        {
            throw new QQuantException($"--float-checkpoint: '{reusedFloat}' does not exist.");
        }

        using ServiceProvider services = CliServices.Create();
        var trainer = services.GetRequiredService<ClassifierTrainer>();
        var rows = new List<BenchRow>();
        string? floatCheckpoint = null;
        double floatTop1 = 0;
        foreach (BenchRun run in Runs)
        {
            progress.Line("bench accuracy", rows.Count + 1, Runs.Length, run.Label);
            string config = ConfigPath(run.Config);
            string name = Path.GetFileNameWithoutExtension(config);
            ConfigDocument document = ConfigDocument.Load(config, bench.Options(run.Method));
            if (run.Method == "float" && reusedFloat is not null)
            {
                (floatCheckpoint, floatTop1) = (reusedFloat, ReusedFloatTop1(services, bench, document, reusedFloat, out int floatEpochs));
                rows.Add(new BenchRow(run, null, floatTop1, 0, floatEpochs, null));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"float: reused {reusedFloat} (epoch {floatEpochs}), top-1 {floatTop1:0.00} %"));
                continue;
            }

            output.WriteLine($"{run.Label}: training ({name}) ...");
            TrainingResult result;
            double? startTop1;
            using (TrainingRun training = trainer.Prepare(document, bench.Overrides(Path.Combine(workDir, name), run.Method == "float" ? null : floatCheckpoint), RunConsole))
            {
                startTop1 = StartTop1(training);
                result = training.Run();
            }

            double top1 = result.LastMetrics.First(m => m.Key == "accuracy_top-1").Value;
            if (run.Method == "float")
            {
                floatCheckpoint = result.LastCheckpoint;
                floatTop1 = top1;
            }

            var row = new BenchRow(run, startTop1, top1, floatTop1 - top1, result.Epochs, result.Seconds);
            rows.Add(row);
            string startText = startTop1 is { } st ? string.Create(CultureInfo.InvariantCulture, $"start {st:0.00} %, ") : "";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{run.Label}: {startText}top-1 {top1:0.00} %, drop {row.Drop:0.00}, {result.Seconds:0} s"));
        }

        IReadOnlyList<StartRow> starts = breakdown
            ? BenchAccuracyStarts.Measure(output, progress, trainer, services.GetRequiredService<QuantLayerRegistry>(), bench, rows, floatCheckpoint!)
            : [];
        string table = Table(rows, quick, dataRoot);
        output.WriteLine();
        output.Write(table);
        string report = table;
        if (breakdown)
        {
            string startTable = BenchAccuracyStarts.Table(floatTop1, starts);
            output.WriteLine();
            output.Write(startTable);
            report += Environment.NewLine + startTable;
        }

        AtomicFile.Write(Path.Combine(workDir, "accuracy.md"), s => s.Write(Encoding.UTF8.GetBytes(report)));
        if (json is not null)
        {
            BenchOutput.WriteJson(output, json.FullName, Json(rows, starts));
        }

        List<string> failures = quick
            ? [.. rows.Where(r => (r.Run.Method == "float" || r.Run is { Method: "LSQ", W: 4 }) && r.Top1 < QuickFloor)
                .Select(r => $"{r.Run.Label} ended at {r.Top1:0.00} % top-1, below the quick floor of {QuickFloor} %")]
            : [.. Targets(rows), .. BenchAccuracyStarts.Goals(floatTop1, starts)];
        foreach (string failure in failures)
        {
            error.WriteLine($"bench accuracy: {failure}");
        }

        return failures.Count == 0 ? 0 : 2;
    }

    // The float row of an earlier bench: its checkpoint evaluated on the test split (the same images as val here).
    private static double ReusedFloatTop1(IServiceProvider services, BenchSettings bench, ConfigDocument document, string checkpoint, out int epochs)
    {
        using (Checkpoint saved = Checkpoint.Load(checkpoint))
        {
            epochs = saved.Meta.Epoch;
        }

        TestResult result = services.GetRequiredService<ClassifierTester>().Test(document, checkpoint, maxSamples: bench.Quick ? 1000 : null);
        return result.Metrics.First(m => m.Key == "accuracy_top-1").Value;
    }

    /// <summary>
    /// A log line every 20 iterations would flood the console over a dozen runs: the bench keeps them in each run's
    /// log file.
    /// </summary>
    internal static TextWriter RunConsole => TextWriter.Null;

    internal static string ConfigPath(string config) => Path.Combine(AppContext.BaseDirectory, "configs", config);

    internal static double? StartTop1(TrainingRun training) =>
        training.StartMetrics?.FirstOrDefault(m => m.Key == "accuracy_top-1").Value;

    private static IEnumerable<string> Targets(IReadOnlyList<BenchRow> rows)
    {
        if (rows[0].Top1 < 92.5)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"float reached {rows[0].Top1:0.00} % top-1, target >= 92.5 %");
        }

        foreach (BenchRow row in rows.Where(r => r.Run.MaxDrop is not null && r.Drop > r.Run.MaxDrop))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{row.Run.Label} dropped {row.Drop:0.00} points, target <= {row.Run.MaxDrop}");
        }
    }

    private static string Table(IReadOnlyList<BenchRow> rows, bool quick, string dataRoot)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Fashion-MNIST ({(quick ? "quick: 2 000 training and 1 000 test images of" : "full:")} {dataRoot}), CifarResNet-20, first conv and fc 8-bit");
        text.AppendLine();
        text.AppendLine("| method | W/A | start (%) | top-1 (%) | drop (points) | target drop | epochs | seconds |");
        text.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (BenchRow r in rows)
        {
            string target = r.Run.Method == "float" ? ">= 92.5 % top-1" : r.Run.MaxDrop is { } d ? $"<= {d}" : "-";
            text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Run.Method} | {r.Run.W}/{r.Run.A} | {(r.Start is { } s ? s.ToString("0.00", CultureInfo.InvariantCulture) : "-")} | {r.Top1:0.00} | {(r.Run.Method == "float" ? "-" : r.Drop.ToString("0.00", CultureInfo.InvariantCulture))} | {target} | {r.Epochs} | {(r.Seconds is { } seconds ? seconds.ToString("0", CultureInfo.InvariantCulture) : "reused")} |");
        }

        return text.ToString();
    }

    /// <summary>
    /// The <c>--json</c> document: <c>rows</c>, the main table's rows, and <c>starts</c>, the start breakdown's rows
    /// (empty without the breakdown); a start that could not be measured is null with its reason under <c>notes</c>.
    /// </summary>
    internal static JsonObject Json(IReadOnlyList<BenchRow> rows, IReadOnlyList<StartRow> starts) => new()
    {
        ["rows"] = new JsonArray([.. rows.Select(r => (JsonNode)new JsonObject
        {
            ["method"] = r.Run.Method,
            ["w"] = r.Run.W,
            ["a"] = r.Run.A,
            ["start"] = r.Start is { } s ? Math.Round(s, 4) : null,
            ["top1"] = Math.Round(r.Top1, 4),
            ["drop"] = Math.Round(r.Drop, 4),
            ["epochs"] = r.Epochs,
            ["seconds"] = r.Seconds is { } seconds ? Math.Round(seconds, 1) : null,
        })]),
        ["starts"] = BenchAccuracyStarts.Json(starts),
    };

    internal sealed record BenchRun(string Method, int W, int A, string Config, double? MaxDrop)
    {
        public string Label => Method == "float" ? "float" : $"{Method} {W}w{A}f";
    }

    internal sealed record BenchRow(BenchRun Run, double? Start, double Top1, double Drop, int Epochs, double? Seconds);

    // What every run of one bench shares: the mode, the data, the epochs and qatStart's batches, the work dir.
    internal sealed record BenchSettings(bool Quick, string DataRoot, (int Float, int? Qat) Epochs, (int? Calibration, int? BatchNorm) Start, string WorkDir)
    {
        public List<string> Options(string method)
        {
            List<string> options = [$"data.train.dataPrefix={DataRoot}", $"data.val.dataPrefix={DataRoot}", $"data.test.dataPrefix={DataRoot}"];
            if ((method == "float" ? Epochs.Float : Epochs.Qat) is { } totalEpochs)
            {
                options.Add($"totalEpochs={totalEpochs}");
            }

            if (method != "float")
            {
                options.AddRange(new[] { ("calibrationBatches", Start.Calibration), ("batchNormBatches", Start.BatchNorm) }
                    .Where(o => o.Item2 is not null).Select(o => $"qatStart.{o.Item1}={o.Item2}"));
            }

            if (Quick)
            {
                options.Add("logConfig.interval=4");
                if (method == "float")
                {
                    options.Add("lrConfig.warmupIters=8");
                }
            }

            return options;
        }

        public TrainingOverrides Overrides(string workDir, string? loadFrom) => new()
        {
            WorkDir = workDir,
            LoadFrom = loadFrom,
            MaxTrainSamples = Quick ? 2000 : null,
            MaxValSamples = Quick ? 1000 : null,
        };
    }
}
