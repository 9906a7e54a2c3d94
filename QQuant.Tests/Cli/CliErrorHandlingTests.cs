using System.CommandLine;
using System.Text;
using QQuant.Samples;

namespace QQuant.Tests.Cli;

/// <summary>
/// One <c>--verbose</c> and one error handler for every command: the root's recursive option parses with any command
/// (a new one included), and bad input ends in one <c>error:</c> line and exit code 1, with the stack trace under it
/// only with <c>--verbose</c>.
/// </summary>
public class CliErrorHandlingTests
{
    /// <summary>Every command and command group of the CLI, as its path (<c>bench data</c>), found by walking the root.</summary>
    public static TheoryData<string> EveryCommand() => [.. CliConventionsTests.Commands(QQuantCli.Build(TextWriter.Null, TextWriter.Null)).Select(c => c.Path)];

    /// <summary>Bad input to the commands that once handled their own errors, and what the error line says.</summary>
    public static TheoryData<string[], string> BadInput() => new()
    {
        { ["plan", "--config", "/no/such/policy.json"], "error: --config: '/no/such/policy.json' does not exist" },
        { ["predict", "--config", "/no/such/model.json", "--image", "/no/such/image.png"], "error: --config: '/no/such/model.json' does not exist" },
        { ["bench", "data", "--jpegs", "8"], "error: --jpegs must be at least 32, one batch of the folder benchmark; got 8." },
        { ["bench", "data", "--workers", "0", "-1"], "error: --workers: every count must be 0 (load on the calling thread) or more; got 0 -1." },
        { ["bench", "data", "--fashion-mnist", "/no/such/folder"], "error: Fashion-MNIST is not in '/no/such/folder': install Debian's dataset-fashion-mnist" },
    };

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public void Every_command_takes_the_roots_verbose_before_or_after_its_name(string command)
    {
        RootCommand root = QQuantCli.Build(TextWriter.Null, TextWriter.Null);
        Option verbose = Assert.Single(root.Options, o => o.Name == "--verbose");
        string[] path = command.Split(' ');

        foreach (string[] args in (string[][])[[.. path, "--verbose"], ["--verbose", .. path]])
        {
            ParseResult parsed = root.Parse(args);

            Assert.Empty(parsed.UnmatchedTokens);
            Assert.DoesNotContain(parsed.Errors, e => e.Message.Contains("--verbose", StringComparison.Ordinal));
            Assert.False(Assert.IsType<System.CommandLine.Parsing.OptionResult>(parsed.GetResult(verbose)).Implicit);
        }

        Assert.DoesNotContain(Find(root, path).Options, o => o.Name == "--verbose");
        (int code, string output, _) = Run([.. path, "--help"]);
        Assert.Equal(0, code);
        Assert.Contains("--verbose", output);
    }

    /// <summary>Command lines that do not parse, and the one error line each prints under the command's help.</summary>
    public static TheoryData<string[], string, string> BadCommandLines() => new()
    {
        { ["trian", "x.json"], "qquant:", "error: unknown command 'trian' (nearest: 'train')" },
        { ["bench", "kernals"], "Measure QQuant's speed", "error: unknown command 'kernals' (nearest: 'kernels')" },
        { ["train", "x.json", "--wrok-dir", "d"], "Train (or QAT-fine-tune)", "error: unknown option '--wrok-dir' (nearest: '--work-dir')" },
        { ["--verbos", "info"], "Print QQuant, TorchSharp", "error: unknown option '--verbos' (nearest: '--verbose')" },
        { ["info", "extra"], "Print QQuant, TorchSharp", "error: unexpected argument 'extra'" },
        { [], "qquant:", "error: no command given; choose from info, plan, train, test, predict, export, analyze, quickstart, bench" },
        { ["bench"], "Measure QQuant's speed", "error: no command given; choose from data, accuracy, analyze, kernels, qat, export, dist, faults" },
        { ["plan", "--config", "p.json", "--model", "resnet9"], "Print what a JSON policy",
            "error: --model: unknown value 'resnet9'; choose from resnet18, resnet34, resnet50, mobilenet_v2, vgg11_bn (nearest: 'resnet18')." },
    };

    [Theory]
    [MemberData(nameof(BadCommandLines))]
    public void A_command_line_that_does_not_parse_prints_the_commands_help_and_error_lines(string[] args, string help, string message)
    {
        (int code, string output, string error) = Run(args);

        Assert.Equal(1, code);
        Assert.StartsWith($"Description:{Environment.NewLine}  {help}", output, StringComparison.Ordinal);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.Equal(message, Assert.Single(Lines(error)));
    }

    [Fact]
    public void Every_missing_required_option_gets_its_own_error_line()
    {
        (int code, _, string error) = Run("analyze", "--image", "a.png", "--config-float", "f.json");

        Assert.Equal(1, code);
        Assert.Equal(
            ["error: Option '--config-int' is required.", "error: Option '--checkpoint-float' is required.", "error: Option '--checkpoint-int' is required."],
            Lines(error));
    }

    [Theory]
    [MemberData(nameof(BadInput))]
    public void Bad_input_is_one_error_line_and_exit_code_1_without_a_stack_trace(string[] args, string message)
    {
        (int code, string output, string error) = Run(args);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.StartsWith(message, Assert.Single(Lines(error)), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BadInput))]
    public void Verbose_bad_input_puts_the_stack_trace_under_the_error_line(string[] args, string message)
    {
        foreach (string[] verboseArgs in (string[][])[[.. args, "--verbose"], ["--verbose", .. args]])
        {
            (int code, string output, string error) = Run(verboseArgs);

            Assert.Equal(1, code);
            Assert.Equal("", output);
            AssertVerboseError(error, message["error: ".Length..]);
        }
    }

    [Fact]
    public void Info_whose_report_cannot_be_written_is_one_error_line()
    {
        // info reads no input that can be wrong (its options are checked by the parser); what can fail is its output,
        // e.g. `qquant info > /dev/full`.
        var error = new StringWriter();
        int code = QQuantCli.Run(["info"], new FailingWriter(new IOException("No space left on device")), error);

        Assert.Equal(1, code);
        Assert.Equal("error: No space left on device", Assert.Single(Lines(error.ToString())));

        error = new StringWriter();
        code = QQuantCli.Run(["info", "--format", "json", "--verbose"], new FailingWriter(new IOException("No space left on device")), error);

        Assert.Equal(1, code);
        AssertVerboseError(error.ToString(), "No space left on device");
    }

    [Fact]
    public void An_exception_that_is_not_bad_input_is_reported_as_a_bug_with_its_stack_trace()
    {
        var error = new StringWriter();
        int code = QQuantCli.Run(["info"], new FailingWriter(new NotSupportedException("a bug")), error);

        Assert.Equal(1, code);
        string[] lines = Lines(error.ToString());
        Assert.Equal("Unhandled exception: System.NotSupportedException: a bug", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("   at ", StringComparison.Ordinal));
    }

    private static void AssertVerboseError(string error, string message)
    {
        string[] lines = Lines(error);
        string first = Assert.Single(lines, l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Same(first, lines[0]);
        Assert.Contains(message, first, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("   at ", StringComparison.Ordinal));
    }

    private static Command Find(Command root, string[] path) =>
        path.Aggregate(root, (command, name) => command.Subcommands.Single(c => c.Name == name));

    private static string[] Lines(string text) => text.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static (int Code, string Output, string Error) Run(params string[] args) => TrainTestInferCommandTests.Run(args);

    /// <summary>An output that cannot be written, as a full disk or a closed pipe behind standard output.</summary>
    private sealed class FailingWriter(Exception failure) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => throw failure;

        public override void Write(string? value) => throw failure;
    }
}
