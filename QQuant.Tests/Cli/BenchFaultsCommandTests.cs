using System.Text.Json.Nodes;
using QQuant.Samples.Commands;
using QQuant.Samples.Faults;

namespace QQuant.Tests.Cli;

/// <summary><c>qquant bench faults</c>: one row per class, the JSON beside it, and a non-zero exit when a case was not survived.</summary>
public class BenchFaultsCommandTests
{
    private sealed class StubFault(string name, FaultOutcome outcome) : IFaultClass
    {
        public string Name => name;

        public string Description => "a stub";

        public int Cases(bool full) => full ? 10 : 2;

        public FaultOutcome Run(FaultRun run) => outcome;
    }

    [Fact]
    public void Each_class_prints_its_row_and_the_json_holds_the_same_counts()
    {
        using var folder = new TemporaryFolder("bench-faults");
        string json = Path.Combine(folder.Path, "faults.json");
        var output = new StringWriter();
        IFaultClass[] classes = [new StubFault("one", new FaultOutcome(2, 2, 0, [])), new StubFault("two", new FaultOutcome(3, 3, 0, []))];

        int code = BenchFaultsCommand.Run(output, classes, full: false, seed: 1, json);

        Assert.Equal(0, code);
        Assert.Matches(@"\| one \| 2 \| 2 \| 0 \| \d+\.\d \|", output.ToString());
        Assert.Matches(@"\| two \| 3 \| 3 \| 0 \| \d+\.\d \|", output.ToString());
        JsonArray rows = JsonNode.Parse(File.ReadAllText(json))!.AsArray();
        Assert.Equal(["one", "two"], rows.Select(r => (string)r!["class"]!));
        Assert.Equal(3, (int)rows[1]!["survived"]!);
    }

    [Fact]
    public void A_case_not_survived_is_listed_and_fails_the_command()
    {
        var output = new StringWriter();
        IFaultClass[] classes = [new StubFault("broken", new FaultOutcome(4, 3, 1, ["case 2: IOException: disk full"]))];

        int code = BenchFaultsCommand.Run(output, classes, full: true, seed: 1, jsonPath: null);

        Assert.Equal(1, code);
        Assert.Contains("| broken | 4 | 3 | 1 |", output.ToString());
        Assert.Contains("not survived: broken: case 2: IOException: disk full", output.ToString());
    }

    [Fact]
    public void An_unknown_class_is_named_with_the_classes_there_are()
    {
        (int code, string output, string error) = TrainTestInferCommandTests.Run("bench", "faults", "--only", "checkpoint-flop");

        Assert.Equal(1, code);
        Assert.Contains("Usage:", output);
        Assert.Contains("--only: unknown value 'checkpoint-flop'", error);
        Assert.Contains("(nearest: 'checkpoint-flip')", error);
    }

    [Fact]
    public void The_images_class_runs_from_the_command_line()
    {
        (int code, string output, string error) = TrainTestInferCommandTests.Run("bench", "faults", "--only", "images");

        Assert.True(code == 0, output + error);
        Assert.Matches(@"\| images \| (\d+) \| \1 \| 0 \|", output);
    }
}
