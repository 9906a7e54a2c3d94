using QQuant.Samples;

namespace QQuant.Tests.Cli;

/// <summary>
/// <see cref="TerminalProgress"/>: on a terminal, a stage is one line rewritten with <c>\r</c> and ended when the stage
/// completes, and a benchmark row gets a line of its own; when the error stream is not a terminal, nothing at all.
/// </summary>
public class TerminalProgressTests
{
    private static readonly string NewLine = Environment.NewLine;

    [Fact]
    public void On_a_terminal_a_stage_rewrites_one_line_and_ends_it_when_done()
    {
        var error = new StringWriter();
        var progress = new TerminalProgress(error, isTerminal: true);

        progress.Report(new ProgressStep("sensitivity", 0, 3));
        progress.Report(new ProgressStep("sensitivity", 1, 3, "conv1"));
        progress.Report(new ProgressStep("sensitivity", 2, 3, "layer1.0.conv1"));
        progress.Report(new ProgressStep("sensitivity", 3, 3, "fc"));

        // Each rewrite pads over the longer line before it.
        Assert.Equal(
            "\r[0/3] sensitivity" + "\r[1/3] sensitivity: conv1" + "\r[2/3] sensitivity: layer1.0.conv1"
            + "\r[3/3] sensitivity: fc" + new string(' ', "layer1.0.conv1".Length - "fc".Length) + NewLine,
            error.ToString());
    }

    [Fact]
    public void A_stage_without_a_known_total_counts_alone_until_its_last_report()
    {
        var error = new StringWriter();
        var progress = new TerminalProgress(error, isTerminal: true);

        progress.Report(new ProgressStep("calibration", 1, 0));
        progress.Report(new ProgressStep("calibration", 2, 0));
        progress.Report(new ProgressStep("calibration", 2, 2));

        Assert.Equal("\r[1] calibration\r[2] calibration\r[2/2] calibration" + NewLine, error.ToString());
    }

    [Fact]
    public void A_benchmark_row_gets_a_line_of_its_own_after_any_unfinished_stage()
    {
        var error = new StringWriter();
        var progress = new TerminalProgress(error, isTerminal: true);

        progress.Line("bench qat CifarResNet-20", 2, 9, "LSQ weights+inputs");
        progress.Report(new ProgressStep("calibration", 1, 4));
        progress.Line("bench qat CifarResNet-20", 3, 9, "DSQ weights+inputs");

        Assert.Equal(
            "[2/9] bench qat CifarResNet-20: LSQ weights+inputs" + NewLine + "\r[1/4] calibration" + NewLine
            + "[3/9] bench qat CifarResNet-20: DSQ weights+inputs" + NewLine,
            error.ToString());
    }

    [Fact]
    public void An_error_in_the_middle_of_a_stage_starts_a_line_of_its_own()
    {
        var error = new StringWriter();
        var progress = new TerminalProgress(error, isTerminal: true);
        var command = new System.CommandLine.RootCommand { CliErrors.VerboseOption() };
        command.SetAction((System.CommandLine.ParseResult _) =>
        {
            progress.Report(new ProgressStep("export", 1, 4, "conv1"));
            return FailWith("disk full");
        });

        int code = CliErrors.Invoke(command.Parse([]), TextWriter.Null, error, progress);

        Assert.Equal(1, code);
        Assert.Equal("\r[1/4] export: conv1" + NewLine + "error: disk full" + NewLine, error.ToString());
        progress.EndLine();
        Assert.EndsWith("error: disk full" + NewLine, error.ToString(), StringComparison.Ordinal);
    }

    private static int FailWith(string message) => throw new QQuantException(message);

    [Fact]
    public void When_not_a_terminal_nothing_is_written()
    {
        var error = new StringWriter();
        var progress = new TerminalProgress(error, isTerminal: false);

        progress.Report(new ProgressStep("sensitivity", 0, 2));
        progress.Report(new ProgressStep("sensitivity", 2, 2, "fc"));
        progress.Line("bench faults", 1, 3, "nan");

        Assert.Equal("", error.ToString());
    }

    [Fact]
    public void Only_the_process_error_stream_can_be_a_terminal()
    {
        Assert.False(TerminalProgress.For(new StringWriter()).IsTerminal);
        Assert.Equal(!Console.IsErrorRedirected, TerminalProgress.For(Console.Error).IsTerminal);
    }
}

/// <summary>
/// Through <see cref="QQuantCli.Run"/> with writers that are not a terminal, the commands that report progress print
/// none; with an error writer taken for a terminal, they show their stages there and nowhere else.
/// </summary>
public class CliProgressTests(FailFastInputs inputs) : IClassFixture<FailFastInputs>
{
    [Fact]
    public void Analyze_and_export_leave_stderr_free_of_progress_when_it_is_not_a_terminal()
    {
        string page = Path.Combine(inputs.Folder.Path, "progress", "analysis.html");
        Directory.CreateDirectory(Path.GetDirectoryName(page)!);
        string onnx = Path.Combine(inputs.Folder.Path, "progress", "lsq.onnx");

        (int code, string output, string error) = Run(Analyze(page));

        Assert.True(code == 0, error);
        Assert.Equal("", error);
        Assert.Contains("most sensitive layer: ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("sensitivity:", output, StringComparison.Ordinal);

        (code, output, error) = Run("export", inputs.QuantConfig, inputs.QuantCheckpoint, "--out", onnx);

        Assert.True(code == 0, error);
        Assert.Equal("", error);
        Assert.DoesNotContain("ONNX export:", output, StringComparison.Ordinal);
        Assert.True(File.Exists(onnx));
    }

    [Fact]
    public void On_a_terminal_analyze_and_export_show_their_stages_on_stderr_and_never_on_stdout()
    {
        string page = Path.Combine(inputs.Folder.Path, "progress-terminal", "analysis.html");
        Directory.CreateDirectory(Path.GetDirectoryName(page)!);
        string onnx = Path.Combine(inputs.Folder.Path, "progress-terminal", "lsq.onnx");

        (int code, string output, string error) = OnTerminal(Analyze(page));

        Assert.True(code == 0, error);
        Assert.StartsWith("\r[0/", error, StringComparison.Ordinal);
        Assert.Matches(@"\r\[(\d+)/\1\] sensitivity: [\w.]+ *" + Environment.NewLine + "$", error);
        Assert.DoesNotContain("\r", output, StringComparison.Ordinal);

        (code, output, error) = OnTerminal("export", inputs.QuantConfig, inputs.QuantCheckpoint, "--out", onnx);

        Assert.True(code == 0, error);
        Assert.Matches(@"^\r\[0/(\d+)\] ONNX export(\r.*)*\r\[\1/\1\] ONNX export: [\w.]+ *" + Environment.NewLine + "$", error);
        Assert.DoesNotContain("\r", output, StringComparison.Ordinal);

        // The shipped subset's 1 000 test images in batches of 250.
        (code, output, error) = OnTerminal("test", inputs.QuantConfig, inputs.QuantCheckpoint);

        Assert.True(code == 0, error);
        Assert.Equal("\r[0/4] test\r[1/4] test\r[2/4] test\r[3/4] test\r[4/4] test" + Environment.NewLine, error);
        Assert.Contains("accuracy_top-1 : ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", output, StringComparison.Ordinal);
    }

    private string[] Analyze(string page) =>
    [
        "analyze", "--image", inputs.Image, "--config-float", inputs.FloatConfig, "--config-int", inputs.QuantConfig,
        "--checkpoint-float", inputs.FloatCheckpoint, "--checkpoint-int", inputs.QuantCheckpoint, "--out", page,
    ];

    private static (int Code, string Output, string Error) Run(params string[] args) => TrainTestInferCommandTests.Run(args);

    // As QQuantCli.Run, with the error writer taken for a terminal.
    private static (int Code, string Output, string Error) OnTerminal(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliErrors.Invoke(QQuantCli.Build(output, error, new TerminalProgress(error, isTerminal: true)).Parse(args), output, error);
        return (code, output.ToString(), error.ToString());
    }
}
