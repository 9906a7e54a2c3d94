using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Quantizers;
using QQuant.Training;
using QQuant.Vision;

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

    private static readonly BenchRun[] Runs =
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

    public static Command Create(TextWriter output, TextWriter error)
    {
        var quick = new Option<bool>("--quick") { Description = "A few minutes on 2 000 images of the shipped subset (CI): every method trains; float and LSQ 4w4f reach 40 %." };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the tables as JSON to this file: an object with the main table's rows and the start breakdown's starts." };
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
        var workDir = new Option<string>("--work-dir") { Description = "Where the runs' logs and checkpoints go.", DefaultValueFactory = _ => "work_dirs/bench_accuracy" };
        var verbose = CliErrors.VerboseOption();
        var command = new Command("accuracy", "Top-1 of every method on Fashion-MNIST (CifarResNet-20, QAT from the float checkpoint) as a Markdown table.")
        {
            quick, json, dataRoot, floatEpochs, qatEpochs, calibrationBatches, batchNormBatches, breakdown, noBreakdown, workDir, verbose,
        };
        command.SetAction(parsed => CliErrors.Run(error, parsed.GetValue(verbose), () =>
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
            return Run(output, error, isQuick, withBreakdown, root, epochs, start, Path.GetFullPath(parsed.GetValue(workDir)!), parsed.GetValue(json));
        }));
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

    private static int Run(
        TextWriter output, TextWriter error, bool quick, bool breakdown, string dataRoot, (int Float, int? Qat) epochs, (int? Calibration, int? BatchNorm) start,
        string workDir, FileInfo? json)
    {
        if (!File.Exists(Path.Combine(dataRoot, "train-images-idx3-ubyte.gz")) && !File.Exists(Path.Combine(dataRoot, "train-images-idx3-ubyte")))
        {
            throw new QQuantException($"Fashion-MNIST is not in '{dataRoot}': install Debian's dataset-fashion-mnist or pass --data-root <folder>.");
        }

        var bench = new BenchSettings(quick, dataRoot, epochs, start, workDir);
        using ServiceProvider services = CliServices.Create();
        var trainer = services.GetRequiredService<ClassifierTrainer>();
        var rows = new List<BenchRow>();
        string? floatCheckpoint = null;
        double floatTop1 = 0;
        foreach (BenchRun run in Runs)
        {
            string config = ConfigPath(run.Config);
            string name = Path.GetFileNameWithoutExtension(config);
            ConfigDocument document = ConfigDocument.Load(config, bench.Options(run.Method));
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
            ? MeasureStarts(output, trainer, services.GetRequiredService<QuantLayerRegistry>(), bench, rows, floatCheckpoint!)
            : [];
        string table = Table(rows, quick, dataRoot);
        output.WriteLine();
        output.Write(table);
        string report = table;
        if (breakdown)
        {
            string startTable = StartTable(floatTop1, starts);
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
            : [.. Targets(rows), .. StartGoals(floatTop1, starts)];
        foreach (string failure in failures)
        {
            error.WriteLine($"bench accuracy: {failure}");
        }

        return failures.Count == 0 ? 0 : 2;
    }

    /// <summary>
    /// A log line every 20 iterations would flood the console over a dozen runs: the bench keeps them in each run's
    /// log file.
    /// </summary>
    private static TextWriter RunConsole => TextWriter.Null;

    private static string ConfigPath(string config) => Path.Combine(AppContext.BaseDirectory, "configs", config);

    private static double? StartTop1(TrainingRun training) =>
        training.StartMetrics?.FirstOrDefault(m => m.Key == "accuracy_top-1").Value;

    /// <summary>
    /// The start breakdown's rows: every QAT method at 8w8a (from its 4w4f config, with the main layers' bits set to 8;
    /// APoT at 7w6a, the widest its power-of-two levels go), then the main table's QAT runs at their own bits; the goal
    /// is the largest start drop the full run accepts.
    /// </summary>
    internal static IReadOnlyList<StartCase> StartCases() =>
    [
        .. Runs.Where(r => r is { Method: not "float", W: 4, A: 4 })
            .Select(r => r.Method == "APoT"
                ? new StartCase(r.Method, PowerOfTwoLevels.MaxBits + 1, PowerOfTwoLevels.MaxBits, r.Config, EightBitStartGoal)
                : new StartCase(r.Method, 8, 8, r.Config, EightBitStartGoal)),
        .. Runs.Where(r => r.Method != "float")
            .Select(r => new StartCase(r.Method, r.W, r.A, r.Config, r is { W: 4, A: 4 } && FourBitStartGoalMethods.Contains(r.Method) ? FourBitStartGoal : null)),
    ];

    /// <summary>Points below float every method may start at 8w8a (APoT at 7w6a; full run).</summary>
    internal const double EightBitStartGoal = 0.5;

    /// <summary>Points below float <see cref="FourBitStartGoalMethods"/> may start at 4w4f (full run).</summary>
    internal const double FourBitStartGoal = 3;

    /// <summary>The methods whose 4w4f start the full run checks against <see cref="FourBitStartGoal"/>.</summary>
    internal static readonly string[] FourBitStartGoalMethods = ["LSQ", "LSQ+", "DSQ", "PACT", "APoT", "uniform"];

    /// <summary>
    /// The <c>key.path=value</c> overrides that set the weight and input bits of every rule of the config's
    /// <c>quantTransformer.policy</c> (the main layers) to <paramref name="w"/> and <paramref name="a"/>, 32 keeping
    /// that tensor float; the special layers (first conv and fc) stay as the config has them.
    /// </summary>
    /// <exception cref="QQuantException">The config has no policy rules, or a rule's key cannot be written as a key path.</exception>
    internal static IEnumerable<string> PolicyBits(ConfigDocument config, int w, int a)
    {
        if (config.Section("quantTransformer")?["policy"] is not JsonObject { Count: > 0 } policy)
        {
            throw new QQuantException($"'{config.Path}' has no quantTransformer.policy rules to set the start breakdown's bits in.");
        }

        foreach (string key in policy.Select(p => p.Key))
        {
            if (key.Contains('.', StringComparison.Ordinal) || key.Contains('=', StringComparison.Ordinal))
            {
                throw new QQuantException($"'{config.Path}': the policy rule '{key}' cannot be overridden by a key path.");
            }

            yield return string.Create(CultureInfo.InvariantCulture, $"quantTransformer.policy.{key}.w={w}");
            yield return string.Create(CultureInfo.InvariantCulture, $"quantTransformer.policy.{key}.a={a}");
        }
    }

    /// <summary>Why the config's <c>quantTransformer</c> does not make a policy (for example bits its scheme's grid cannot hold), or null.</summary>
    internal static string? PolicyProblem(ConfigDocument config, QuantLayerRegistry layers)
    {
        try
        {
            QuantPolicy.FromConfiguration(config.ToConfiguration().GetSection("quantTransformer"), layers);
            return null;
        }
        catch (QuantConfigurationException e)
        {
            return string.Join("; ", e.Problems);
        }
    }

    private static List<StartRow> MeasureStarts(
        TextWriter output, ClassifierTrainer trainer, QuantLayerRegistry layers, BenchSettings bench, IReadOnlyList<BenchRow> rows, string floatCheckpoint)
    {
        var starts = new List<StartRow>();
        foreach (StartCase c in StartCases())
        {
            StartCell Measure(StartVariant variant)
            {
                (int w, int a) = variant switch
                {
                    StartVariant.WeightsOnly => (c.W, 32),
                    StartVariant.InputsOnly => (32, c.A),
                    _ => (c.W, c.A),
                };
                string config = ConfigPath(c.Config);
                List<string> options = bench.Options(c.Method);
                options.AddRange(PolicyBits(ConfigDocument.Load(config, options), w, a));
                ConfigDocument document = ConfigDocument.Load(config, options);
                string label = $"{c.Label} {VariantName(variant)}";
                if (PolicyProblem(document, layers) is { } problem)
                {
                    output.WriteLine($"{label}: cannot be built ({problem})");
                    return new StartCell(null, problem);
                }

                string slug = c.Method.ToLowerInvariant().Replace("+", "plus", StringComparison.Ordinal);
                string workDir = Path.Combine(bench.WorkDir, "starts", $"{slug}_{c.W}w{c.A}f_{variant.ToString().ToLowerInvariant()}");
                long started = System.Diagnostics.Stopwatch.GetTimestamp();
                double? top1;
                using (TrainingRun training = trainer.Prepare(document, bench.Overrides(workDir, floatCheckpoint), RunConsole))
                {
                    top1 = StartTop1(training);
                }

                double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label}: start {(top1 is { } t ? $"{t:0.00} %" : "-")}, {seconds:0} s"));
                return top1 is null ? new StartCell(null, NoStart) : new StartCell(top1, null);
            }

            BenchRow? main = rows.FirstOrDefault(r => r.Run.Method == c.Method && r.Run.W == c.W && r.Run.A == c.A);
            StartCell both = main is null ? Measure(StartVariant.Both) : new StartCell(main.Start, main.Start is null ? NoStart : null);
            starts.Add(new StartRow(c, both, Measure(StartVariant.WeightsOnly), Measure(StartVariant.InputsOnly)));
        }

        return starts;
    }

    private const string NoStart = "qatStart measured no start: it evaluates after calibration (calibrationBatches > 0) on a validation set";

    private static string VariantName(StartVariant variant) => variant switch
    {
        StartVariant.WeightsOnly => "weights only",
        StartVariant.InputsOnly => "inputs only",
        _ => "both",
    };

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

    /// <summary>
    /// The full run's start goals: each row with a goal whose start (both quantized) is more than the goal below
    /// <paramref name="floatTop1"/>. A start that could not be measured (its note says why) is not checked.
    /// </summary>
    internal static IEnumerable<string> StartGoals(double floatTop1, IReadOnlyList<StartRow> starts)
    {
        foreach (StartRow row in starts)
        {
            if (row.Case.MaxStartDrop is { } goal && row.Both.Top1 is { } top1 && floatTop1 - top1 > goal)
            {
                yield return string.Create(CultureInfo.InvariantCulture,
                    $"{row.Case.Label} started at {top1:0.00} % top-1, {floatTop1 - top1:0.00} points below float, goal <= {goal}");
            }
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
            text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Run.Method} | {r.Run.W}/{r.Run.A} | {(r.Start is { } s ? s.ToString("0.00", CultureInfo.InvariantCulture) : "-")} | {r.Top1:0.00} | {(r.Run.Method == "float" ? "-" : r.Drop.ToString("0.00", CultureInfo.InvariantCulture))} | {target} | {r.Epochs} | {r.Seconds:0} |");
        }

        return text.ToString();
    }

    /// <summary>
    /// The start breakdown as Markdown: per method and bits the start top-1 with both tensors quantized, with the
    /// weights only (inputs float) and with the inputs only (weights float), the start drop against
    /// <paramref name="floatTop1"/> and the full run's goal; a start that could not be measured reads <c>-</c> with a
    /// numbered note saying why.
    /// </summary>
    internal static string StartTable(double floatTop1, IReadOnlyList<StartRow> starts)
    {
        var notes = new List<string>();
        string Cell(StartCell cell)
        {
            if (cell.Top1 is { } top1)
            {
                return top1.ToString("0.00", CultureInfo.InvariantCulture);
            }

            string note = cell.Note ?? "not measured";
            int index = notes.IndexOf(note);
            if (index < 0)
            {
                notes.Add(note);
                index = notes.Count - 1;
            }

            return $"- [{index + 1}]";
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Start breakdown: top-1 right after quantization and qatStart (calibration, BatchNorm re-estimation), before the first QAT step; float {floatTop1:0.00} %. Weights only keeps the main layers' inputs float (a: 32), inputs only their weights (w: 32); first conv and fc stay 8-bit throughout.");
        text.AppendLine();
        text.AppendLine("| method | W/A | start (%) | weights only (%) | inputs only (%) | start drop (points) | start goal |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach (StartRow row in starts)
        {
            string drop = row.Both.Top1 is { } both ? (floatTop1 - both).ToString("0.00", CultureInfo.InvariantCulture) : "-";
            string goal = row.Case.MaxStartDrop is { } g ? $"<= {g.ToString(CultureInfo.InvariantCulture)}" : "-";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Case.Method} | {row.Case.W}/{row.Case.A} | {Cell(row.Both)} | {Cell(row.WeightsOnly)} | {Cell(row.InputsOnly)} | {drop} | {goal} |");
        }

        if (notes.Count > 0)
        {
            text.AppendLine();
            for (int i = 0; i < notes.Count; i++)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"[{i + 1}] {notes[i]}");
            }
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
            ["seconds"] = Math.Round(r.Seconds, 1),
        })]),
        ["starts"] = new JsonArray([.. starts.Select(r =>
        {
            var row = new JsonObject
            {
                ["method"] = r.Case.Method,
                ["w"] = r.Case.W,
                ["a"] = r.Case.A,
                ["start"] = Rounded(r.Both),
                ["weightsOnly"] = Rounded(r.WeightsOnly),
                ["inputsOnly"] = Rounded(r.InputsOnly),
                ["maxStartDrop"] = r.Case.MaxStartDrop,
            };
            var notes = new JsonObject();
            foreach ((string key, StartCell cell) in new[] { ("start", r.Both), ("weightsOnly", r.WeightsOnly), ("inputsOnly", r.InputsOnly) })
            {
                if (cell.Top1 is null)
                {
                    notes[key] = cell.Note ?? "not measured";
                }
            }

            if (notes.Count > 0)
            {
                row["notes"] = notes;
            }

            return (JsonNode)row;
        })]),
    };

    private static double? Rounded(StartCell cell) => cell.Top1 is { } top1 ? Math.Round(top1, 4) : null;

    internal sealed record BenchRun(string Method, int W, int A, string Config, double? MaxDrop)
    {
        public string Label => Method == "float" ? "float" : $"{Method} {W}w{A}f";
    }

    internal sealed record BenchRow(BenchRun Run, double? Start, double Top1, double Drop, int Epochs, double Seconds);

    /// <summary>One row of the start breakdown: a method at some bits, from a config, with the full run's goal (points below float) or null.</summary>
    internal sealed record StartCase(string Method, int W, int A, string Config, double? MaxStartDrop)
    {
        public string Label => $"{Method} {W}w{A}f";
    }

    /// <summary>A start top-1 (percent), or null with the note that says why it was not measured.</summary>
    internal sealed record StartCell(double? Top1, string? Note);

    /// <summary>A start breakdown row: the start with both tensors quantized, with the weights only and with the inputs only.</summary>
    internal sealed record StartRow(StartCase Case, StartCell Both, StartCell WeightsOnly, StartCell InputsOnly);

    private enum StartVariant
    {
        Both,
        WeightsOnly,
        InputsOnly,
    }

    // What every run of one bench shares: the mode, the data, the epochs and qatStart's batches, the work dir.
    private sealed record BenchSettings(bool Quick, string DataRoot, (int Float, int? Qat) Epochs, (int? Calibration, int? BatchNorm) Start, string WorkDir)
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
