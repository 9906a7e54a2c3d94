using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using QQuant.Quantizers;
using QQuant.Training;
using QQuant.Vision;
using static QQuant.Samples.Commands.BenchAccuracyCommand;

namespace QQuant.Samples.Commands;

/// <summary>
/// <c>bench accuracy</c>'s start breakdown: each method's top-1 right after quantization and <c>qatStart</c>, before the
/// first QAT step, with both tensors quantized, the weights only and the inputs only, at 8w8a and at the main table's
/// bits; the full run's goals on those starts; its Markdown table and JSON.
/// </summary>
internal static class BenchAccuracyStarts
{
    /// <summary>
    /// The start breakdown's rows: every QAT method at 8w8a (from its 4w4f config, with the main layers' bits set to 8;
    /// APoT at 7w6a, the widest its power-of-two levels go; APoT and uniform also with their weights not centred), then
    /// the main table's QAT runs at their own bits; the goal is the largest start drop the full run accepts.
    /// </summary>
    /// <remarks>
    /// Two 8-bit rows have no goal, each for a reason its own breakdown measures: DoReFa clips its inputs to [0, 1] by
    /// definition (its inputs-only start), and APoT and uniform centre their weights as the paper does (their rows with
    /// weights not centred carry the goal).
    /// </remarks>
    public static IReadOnlyList<StartCase> Cases() =>
    [
        .. Runs.Where(r => r is { Method: not "float", W: 4, A: 4 }).SelectMany(EightBitCases),
        .. Runs.Where(r => r.Method != "float")
            .Select(r => new StartCase(r.Method, r.W, r.A, r.Config, r is { W: 4, A: 4 } && FourBitStartGoalMethods.Contains(r.Method) ? FourBitStartGoal : null)),
    ];

    /// <summary>The policy setting of APoT's and uniform's rows with weights divided by their deviation only.</summary>
    public static readonly PolicySetting UncentredWeights = new("centerWeights", "false", "weights not centred");

    private static IEnumerable<StartCase> EightBitCases(BenchRun run)
    {
        (int w, int a) = run.Method == "APoT" ? (PowerOfTwoLevels.MaxBits + 1, PowerOfTwoLevels.MaxBits) : (8, 8);
        switch (run.Method)
        {
            case "DoReFa":
                yield return new StartCase(run.Method, w, a, run.Config, null)
                {
                    NoGoalReason = "DoReFa clips every input to [0, 1] by definition, which the float model's activations exceed (see its inputs-only start)",
                };
                break;
            case "APoT" or "uniform":
                yield return new StartCase(run.Method, w, a, run.Config, null)
                {
                    NoGoalReason = "centring the weight, as the paper does, changes what each layer computes (see the row with weights not centred)",
                };
                yield return new StartCase(run.Method, w, a, run.Config, EightBitStartGoal) { Setting = UncentredWeights };
                break;
            default:
                yield return new StartCase(run.Method, w, a, run.Config, EightBitStartGoal);
                break;
        }
    }

    /// <summary>Points below float every method may start at 8w8a (APoT at 7w6a; full run).</summary>
    public const double EightBitStartGoal = 0.5;

    /// <summary>Points below float <see cref="FourBitStartGoalMethods"/> may start at 4w4f (full run).</summary>
    public const double FourBitStartGoal = 3;

    /// <summary>The methods whose 4w4f start the full run checks against <see cref="FourBitStartGoal"/>.</summary>
    public static readonly string[] FourBitStartGoalMethods = ["LSQ", "LSQ+", "DSQ", "PACT", "APoT", "uniform"];

    /// <summary>
    /// The <c>key.path=value</c> overrides that set the weight and input bits of every rule of the config's
    /// <c>quantTransformer.policy</c> (the main layers) to <paramref name="w"/> and <paramref name="a"/>, 32 keeping
    /// that tensor float; the special layers (first conv and fc) stay as the config has them.
    /// </summary>
    /// <exception cref="QQuantException">The config has no policy rules, or a rule's key cannot be written as a key path.</exception>
    public static IEnumerable<string> PolicyBits(ConfigDocument config, int w, int a) =>
        PolicyValues(config, ("w", w.ToString(CultureInfo.InvariantCulture)), ("a", a.ToString(CultureInfo.InvariantCulture)));

    /// <summary>
    /// The overrides of one cell of the breakdown: <see cref="PolicyBits"/> with <paramref name="w"/> and
    /// <paramref name="a"/>, and the case's <see cref="StartCase.Setting"/> in every rule.
    /// </summary>
    /// <exception cref="QQuantException">The config has no policy rules, or a rule's key cannot be written as a key path.</exception>
    public static IEnumerable<string> CellOverrides(ConfigDocument config, StartCase c, int w, int a) =>
        c.Setting is { } setting
            ? PolicyBits(config, w, a).Concat(PolicyValues(config, (setting.Key, setting.Value)))
            : PolicyBits(config, w, a);

    /// <summary>
    /// The <c>key.path=value</c> overrides that set each of <paramref name="values"/> in every rule of the config's
    /// <c>quantTransformer.policy</c> (the main layers).
    /// </summary>
    /// <exception cref="QQuantException">The config has no policy rules, or a rule's key cannot be written as a key path.</exception>
    public static IEnumerable<string> PolicyValues(ConfigDocument config, params (string Key, string Value)[] values)
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

            foreach ((string name, string value) in values)
            {
                yield return $"quantTransformer.policy.{key}.{name}={value}";
            }
        }
    }

    /// <summary>Why the config's <c>quantTransformer</c> does not make a policy (for example bits its scheme's grid cannot hold), or null.</summary>
    public static string? PolicyProblem(ConfigDocument config, QuantLayerRegistry layers)
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

    /// <summary>Measures every start case (reusing the main table's starts), printing a line per measurement.</summary>
    public static List<StartRow> Measure(
        TextWriter output, TerminalProgress progress, ClassifierTrainer trainer, QuantLayerRegistry layers, BenchSettings bench, IReadOnlyList<BenchRow> rows, string floatCheckpoint)
    {
        var starts = new List<StartRow>();
        IReadOnlyList<StartCase> cases = Cases();
        foreach (StartCase c in cases)
        {
            progress.Line("bench accuracy starts", starts.Count + 1, cases.Count, c.Label);
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
                options.AddRange(CellOverrides(ConfigDocument.Load(config, options), c, w, a));
                ConfigDocument document = ConfigDocument.Load(config, options);
                string label = $"{c.Label} {VariantName(variant)}";
                if (PolicyProblem(document, layers) is { } problem)
                {
                    output.WriteLine($"{label}: cannot be built ({problem})");
                    return new StartCell(null, problem);
                }

                string slug = c.Method.ToLowerInvariant().Replace("+", "plus", StringComparison.Ordinal);
                string suffix = c.Setting is { } s ? $"_{s.Key.ToLowerInvariant()}-{s.Value}" : "";
                string workDir = Path.Combine(bench.WorkDir, "starts", $"{slug}_{c.W}w{c.A}f{suffix}_{variant.ToString().ToLowerInvariant()}");
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

            BenchRow? main = c.Setting is null ? rows.FirstOrDefault(r => r.Run.Method == c.Method && r.Run.W == c.W && r.Run.A == c.A) : null;
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

    /// <summary>
    /// The full run's start goals: each row with a goal whose start (both quantized) is more than the goal below
    /// <paramref name="floatTop1"/>. A start that could not be measured (its note says why) is not checked.
    /// </summary>
    public static IEnumerable<string> Goals(double floatTop1, IReadOnlyList<StartRow> starts)
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

    /// <summary>
    /// The start breakdown as Markdown: per method and bits the start top-1 with both tensors quantized, with the
    /// weights only (inputs float) and with the inputs only (weights float), the start drop against
    /// <paramref name="floatTop1"/> and the full run's goal; a start that could not be measured reads <c>-</c> with a
    /// numbered note saying why.
    /// </summary>
    public static string Table(double floatTop1, IReadOnlyList<StartRow> starts)
    {
        var notes = new List<string>();
        string Note(string note)
        {
            int index = notes.IndexOf(note);
            if (index < 0)
            {
                notes.Add(note);
                index = notes.Count - 1;
            }

            return $"[{index + 1}]";
        }

        string Cell(StartCell cell) =>
            cell.Top1 is { } top1 ? top1.ToString("0.00", CultureInfo.InvariantCulture) : $"- {Note(cell.Note ?? "not measured")}";

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Start breakdown: top-1 right after quantization and qatStart (calibration, BatchNorm re-estimation), before the first QAT step; float {floatTop1:0.00} %. Weights only keeps the main layers' inputs float (a: 32), inputs only their weights (w: 32); first conv and fc stay 8-bit throughout.");
        text.AppendLine();
        text.AppendLine("| method | W/A | start (%) | weights only (%) | inputs only (%) | start drop (points) | start goal |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach (StartRow row in starts)
        {
            string drop = row.Both.Top1 is { } both ? (floatTop1 - both).ToString("0.00", CultureInfo.InvariantCulture) : "-";
            string goal = row.Case.MaxStartDrop is { } g ? $"<= {g.ToString(CultureInfo.InvariantCulture)}"
                : row.Case.NoGoalReason is { } reason ? $"- {Note(reason)}"
                : "-";
            string method = row.Case.Setting is { } setting ? $"{row.Case.Method}, {setting.Name}" : row.Case.Method;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {method} | {row.Case.W}/{row.Case.A} | {Cell(row.Both)} | {Cell(row.WeightsOnly)} | {Cell(row.InputsOnly)} | {drop} | {goal} |");
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

    /// <summary>The breakdown's rows for <c>--json</c>; a start that could not be measured is null with its reason under <c>notes</c>.</summary>
    public static JsonArray Json(IReadOnlyList<StartRow> starts) => new([.. starts.Select(JsonRow)]);

    private static JsonNode JsonRow(StartRow r)
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
        if (r.Case.Setting is { } setting)
        {
            row["setting"] = $"{setting.Key}={setting.Value}";
        }

        if (r.Case.NoGoalReason is { } reason)
        {
            row["noGoal"] = reason;
        }

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

        return row;
    }

    private static double? Rounded(StartCell cell) => cell.Top1 is { } top1 ? Math.Round(top1, 4) : null;

    /// <summary>One row of the start breakdown: a method at some bits, from a config, with the full run's goal (points below float) or null.</summary>
    public sealed record StartCase(string Method, int W, int A, string Config, double? MaxStartDrop)
    {
        /// <summary>A setting every policy rule gets beside the bits, or null for the config's own.</summary>
        public PolicySetting? Setting { get; init; }

        /// <summary>Why the row has no goal where the other rows at its bits have one, or null.</summary>
        public string? NoGoalReason { get; init; }

        public string Label => $"{Method} {W}w{A}f" + (Setting is { } s ? $" ({s.Name})" : "");
    }

    /// <summary>A policy option's key and value, and how the table names the row that sets it.</summary>
    public sealed record PolicySetting(string Key, string Value, string Name);

    /// <summary>A start top-1 (percent), or null with the note that says why it was not measured.</summary>
    public sealed record StartCell(double? Top1, string? Note);

    /// <summary>A start breakdown row: the start with both tensors quantized, with the weights only and with the inputs only.</summary>
    public sealed record StartRow(StartCase Case, StartCell Both, StartCell WeightsOnly, StartCell InputsOnly);

    private enum StartVariant
    {
        Both,
        WeightsOnly,
        InputsOnly,
    }
}
