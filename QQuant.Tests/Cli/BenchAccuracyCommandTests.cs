using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Samples;
using QQuant.Samples.Commands;
using QQuant.Vision;
using static QQuant.Samples.Commands.BenchAccuracyCommand;
using static QQuant.Samples.Commands.BenchAccuracyStarts;

namespace QQuant.Tests.Cli;

public class BenchAccuracyCommandTests
{
    private static readonly StartCase Lsq8 = new("LSQ", 8, 8, "LSQ/cres20/config1_cres20_lsq_m1_128_4w4f.json", EightBitStartGoal);
    private static readonly StartCase Dorefa4 = new("DoReFa", 4, 4, "DoReFa/cres20/config1_cres20_dorefa_m1_128_4w4f.json", null);
    private static readonly StartCase Apot8 = new("APoT", 8, 8, "APoT/cres20/config1_cres20_apot_m1_128_4w4f.json", EightBitStartGoal);

    private static StartCell Top1(double top1) => new(top1, null);

    [Theory]
    [InlineData(true, "")]
    [InlineData(false, "--quick")]
    [InlineData(true, "--quick --breakdown")]
    [InlineData(true, "--quick --breakdown true")]
    [InlineData(false, "--breakdown false")]
    [InlineData(false, "--no-breakdown")]
    [InlineData(false, "--quick --breakdown false --no-breakdown")]
    public void The_breakdown_is_on_in_the_full_run_and_off_with_quick_unless_a_flag_says_otherwise(bool expected, string args)
    {
        System.CommandLine.ParseResult parsed = Create(TextWriter.Null, TextWriter.Null, new TerminalProgress(TextWriter.Null, isTerminal: false)).Parse(args.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.Empty(parsed.Errors);
        Assert.Equal(expected, IncludesBreakdown(parsed));
    }

    [Fact]
    public void Breakdown_and_no_breakdown_together_fail_before_anything_runs()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        int code = QQuantCli.Run(["bench", "accuracy", "--quick", "--breakdown", "--no-breakdown", "--work-dir", "/no/such/folder"], output, error);

        Assert.Equal(1, code);
        Assert.Contains("--breakdown and --no-breakdown contradict each other", error.ToString());
        Assert.Equal("", output.ToString());
    }

    [Fact]
    public void The_start_cases_are_every_method_at_8w8a_and_the_main_tables_QAT_runs_with_their_goals()
    {
        IReadOnlyList<StartCase> cases = Cases();

        string[] methods = ["LSQ", "LSQ+", "DSQ", "DoReFa", "PACT", "APoT", "uniform"];
        StartCase[] widest = [.. cases.Where(c => c.W >= 7)];
        Assert.Equal(["LSQ", "LSQ+", "DSQ", "DoReFa", "PACT", "APoT", "APoT", "uniform", "uniform"], widest.Select(c => c.Method));
        // APoT's power-of-two levels stop at 7 weight and 6 input bits.
        Assert.All(widest, c => Assert.Equal((c.Method == "APoT" ? 7 : 8, c.Method == "APoT" ? 6 : 8), (c.W, c.A)));
        // DoReFa's and the paper's centred APoT and uniform rows say why they have no goal; the uncentred rows carry it.
        Assert.All(widest, c => Assert.Equal(
            c.Method is "DoReFa" || (c.Method is "APoT" or "uniform" && c.Setting is null) ? null : EightBitStartGoal, c.MaxStartDrop));
        Assert.All(widest, c => Assert.Equal(c.MaxStartDrop is null, c.NoGoalReason is not null));
        Assert.Equal(["APoT 7w6f (weights not centred)", "uniform 8w8f (weights not centred)"], widest.Where(c => c.Setting is not null).Select(c => c.Label));
        Assert.Equal(methods, cases.Where(c => c.W == 4).Select(c => c.Method));
        Assert.All(cases.Where(c => c.W == 4), c => Assert.Equal(c.Method == "DoReFa" ? null : FourBitStartGoal, c.MaxStartDrop));
        Assert.Equal(["LSQ", "LSQ+", "DSQ", "APoT"], cases.Where(c => c.W == 2).Select(c => c.Method));
        Assert.All(cases.Where(c => c.W == 2), c => Assert.Null(c.MaxStartDrop));
        Assert.Equal(20, cases.Count);
    }

    [Fact]
    public void The_uncentred_rows_bind_with_every_main_layer_dividing_its_weight_only()
    {
        StartCase c = Cases().Single(c => c is { Method: "uniform", Setting: not null });
        string config = Path.Combine(AppContext.BaseDirectory, "configs", c.Config);
        string[] options = [.. CellOverrides(ConfigDocument.Load(config), c, c.W, c.A)];
        using ServiceProvider services = CliServices.Create();

        (ImageClassifier model, QuantizationReport? _) = services.GetRequiredService<ClassifierFactory>().Build(ConfigDocument.Load(config, options).ToConfiguration());
        using (model)
        {
            QQuant.Quantizers.APoTQuantizer[] weights = [.. model.modules().OfType<QuantizedLayer>().Select(l => l.WeightQuantizer).OfType<QQuant.Quantizers.APoTQuantizer>()];
            Assert.True(weights.Length >= 18);
            Assert.All(weights, q => Assert.False(q.CentersWeight));
            Assert.All(weights, q => Assert.Equal(8, q.Bits));
        }
    }

    [Theory]
    [InlineData(4, 32)]
    [InlineData(32, 4)]
    [InlineData(8, 8)]
    public void The_variants_set_the_main_layers_bits_and_leave_the_first_conv_and_fc_8_bit(int w, int a)
    {
        string config = Path.Combine(AppContext.BaseDirectory, "configs", "LSQ/cres20/config1_cres20_lsq_m1_128_4w4f.json");
        ConfigDocument document = ConfigDocument.Load(config, PolicyBits(ConfigDocument.Load(config), w, a));
        using ServiceProvider services = CliServices.Create();

        Assert.Null(PolicyProblem(document, services.GetRequiredService<QuantLayerRegistry>()));
        (ImageClassifier model, QuantizationReport? report) = services.GetRequiredService<ClassifierFactory>().Build(document.ToConfiguration());
        using (model)
        {
            LayerDecision[] main = [.. report!.Layers.Where(l => l.OriginalType == "Conv2d" && l.Name != "backbone.conv1")];
            Assert.True(main.Length >= 18);
            Assert.All(main, l => Assert.Equal("LSQConv", l.NewType));
            Assert.All(main, l => Assert.Equal((w, a, a != 32), (l.WeightBits, l.ActivationBits, l.InputQuantized)));
            LayerDecision first = report.Layers.Single(l => l.Name == "backbone.conv1");
            Assert.Equal(("EightBitConv", 8, false), (first.NewType, first.WeightBits, first.InputQuantized));
            LayerDecision fc = report.Layers.Single(l => l.Name == "head.fc");
            Assert.Equal(("EightBitLinear", 8, true), (fc.NewType, fc.WeightBits, fc.InputQuantized));
        }
    }

    [Fact]
    public void Every_start_variant_binds()
    {
        using ServiceProvider services = CliServices.Create();
        var layers = services.GetRequiredService<QuantLayerRegistry>();

        foreach (StartCase c in Cases())
        {
            string config = Path.Combine(AppContext.BaseDirectory, "configs", c.Config);
            foreach ((int w, int a) in new[] { (c.W, c.A), (c.W, 32), (32, c.A) })
            {
                string? problem = PolicyProblem(ConfigDocument.Load(config, CellOverrides(ConfigDocument.Load(config), c, w, a)), layers);
                Assert.True(problem is null, $"{c.Label} w {w} a {a}: {problem}");
            }
        }
    }

    [Fact]
    public void The_start_table_prints_each_variant_and_a_dash_with_a_numbered_note_for_a_start_not_measured()
    {
        StartRow[] starts =
        [
            new(Lsq8, Top1(91.5), Top1(91.75), Top1(91.6)),
            new(Apot8, new StartCell(null, "APoT grid: at most 7 bits"), new StartCell(null, "APoT grid: at most 7 bits"), new StartCell(null, "inputs: at most 6 bits")),
            new(Dorefa4, Top1(60.12), Top1(88), Top1(70)),
            new(Apot8 with { MaxStartDrop = null, NoGoalReason = "centred" }, Top1(91), Top1(91), Top1(92)),
            new(Apot8 with { Setting = UncentredWeights }, Top1(91.75), Top1(91.9), Top1(92)),
        ];

        string[] lines = Table(92, starts).Split(Environment.NewLine);

        Assert.StartsWith("Start breakdown: ", lines[0]);
        Assert.Contains("float 92.00 %", lines[0]);
        Assert.Equal("| method | W/A | start (%) | weights only (%) | inputs only (%) | start drop (points) | start goal |", lines[2]);
        Assert.Equal("| LSQ | 8/8 | 91.50 | 91.75 | 91.60 | 0.50 | <= 0.5 |", lines[4]);
        Assert.Equal("| APoT | 8/8 | - [1] | - [1] | - [2] | - | <= 0.5 |", lines[5]);
        Assert.Equal("| DoReFa | 4/4 | 60.12 | 88.00 | 70.00 | 31.88 | - |", lines[6]);
        Assert.Equal("| APoT | 8/8 | 91.00 | 91.00 | 92.00 | 1.00 | - [3] |", lines[7]);
        Assert.Equal("| APoT, weights not centred | 8/8 | 91.75 | 91.90 | 92.00 | 0.25 | <= 0.5 |", lines[8]);
        Assert.Equal("[1] APoT grid: at most 7 bits", lines[10]);
        Assert.Equal("[2] inputs: at most 6 bits", lines[11]);
        Assert.Equal("[3] centred", lines[12]);
    }

    [Fact]
    public void The_start_goals_fail_a_start_more_than_its_goal_below_float_and_skip_one_not_measured()
    {
        StartRow[] starts =
        [
            new(Lsq8, Top1(91.5), Top1(80), Top1(80)),
            new(Lsq8 with { Method = "DSQ" }, Top1(91.4), Top1(91.9), Top1(91.9)),
            new(Apot8, new StartCell(null, "grid"), new StartCell(null, "grid"), new StartCell(null, "grid")),
            new(Dorefa4, Top1(10), Top1(10), Top1(10)),
            new(Dorefa4 with { Method = "PACT", MaxStartDrop = FourBitStartGoal }, Top1(88.5), Top1(10), Top1(10)),
        ];

        string[] failures = [.. Goals(92, starts)];

        Assert.Equal(["DSQ 8w8f started at 91.40 % top-1, 0.60 points below float, goal <= 0.5",
                      "PACT 4w4f started at 88.50 % top-1, 3.50 points below float, goal <= 3"], failures);
    }

    [Fact]
    public void The_json_holds_the_rows_as_before_and_the_starts_with_notes_for_those_not_measured()
    {
        var run = new BenchRun("LSQ", 4, 4, "LSQ/cres20/config1_cres20_lsq_m1_128_4w4f.json", 0.5);
        BenchRow[] rows = [new(run, 88.123456, 91, 1, 1, 12.34)];
        StartRow[] starts =
        [
            new(Apot8, new StartCell(null, "grid"), Top1(90.5), new StartCell(null, "inputs")),
            new(Apot8 with { MaxStartDrop = null, NoGoalReason = "centred", Setting = UncentredWeights }, Top1(91), Top1(91), Top1(91)),
        ];

        JsonObject json = Json(rows, starts);

        JsonObject row = json["rows"]!.AsArray().Single()!.AsObject();
        Assert.Equal(["method", "w", "a", "start", "top1", "drop", "epochs", "seconds"], row.Select(p => p.Key));
        Assert.Equal(88.1235, row["start"]!.GetValue<double>());
        JsonObject start = json["starts"]!.AsArray()[0]!.AsObject();
        JsonObject uncentred = json["starts"]!.AsArray()[1]!.AsObject();
        Assert.Equal(("centerWeights=false", "centred"), (uncentred["setting"]!.GetValue<string>(), uncentred["noGoal"]!.GetValue<string>()));
        Assert.Null(start["setting"]);
        Assert.Equal("APoT", start["method"]!.GetValue<string>());
        Assert.Null(start["start"]);
        Assert.Equal(90.5, start["weightsOnly"]!.GetValue<double>());
        Assert.Equal(EightBitStartGoal, start["maxStartDrop"]!.GetValue<double>());
        Assert.Equal("""{"start":"grid","inputsOnly":"inputs"}""", start["notes"]!.ToJsonString());
        Assert.Empty(Json(rows, [])["starts"]!.AsArray());
    }
}
