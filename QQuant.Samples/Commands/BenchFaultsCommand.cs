using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using QQuant.Samples.Faults;

namespace QQuant.Samples.Commands;

/// <summary>
/// <c>qquant bench faults [--full] [--json f] [--only name]</c>: injects each class of fault (see
/// <see cref="FaultClasses"/>) and prints one row per class: cases tried, survived, lost data (must be 0). Without
/// <c>--full</c> each class tries the reduced count CI runs; exits 1 when any case was not survived.
/// </summary>
internal static class BenchFaultsCommand
{
    public static Command Create(TextWriter output, TerminalProgress progress)
    {
        var full = new Option<bool>("--full") { Description = "Try the full count of cases of every class (minutes); without it, the reduced count CI runs." };
        var json = CliOptions.Json("the rows");
        var only = new Option<string[]>("--only") { Description = "Run only these fault classes.", AllowMultipleArgumentsPerToken = true }
            .AcceptOnly([.. FaultClasses.All.Select(c => c.Name)]);
        var seed = new Option<int>("--seed") { Description = "The seed of the cases' random choices.", DefaultValueFactory = _ => 1 };
        var command = new Command("faults", "Inject faults (corrupt checkpoints, full disk, kill -9, bad configs and images, threads, NaN) and count those survived.")
        {
            full, json, only, seed,
        };
        command.SetAction(parsed =>
        {
            string[] names = parsed.GetValue(only) ?? [];
            IReadOnlyList<IFaultClass> classes = names.Length == 0 ? FaultClasses.All : [.. FaultClasses.All.Where(c => names.Contains(c.Name))];
            return Run(output, classes, parsed.GetValue(full), parsed.GetValue(seed), parsed.GetValue(json)?.FullName, progress);
        });
        return command;
    }

    internal static int Run(TextWriter output, IReadOnlyList<IFaultClass> classes, bool full, int seed, string? jsonPath, TerminalProgress? progress = null)
    {
        output.WriteLine($"| fault class | cases | survived | lost data | seconds |");
        output.WriteLine($"|---|---:|---:|---:|---:|");
        var rows = new JsonArray();
        var failures = new List<string>();
        foreach (IFaultClass fault in classes)
        {
            progress?.Line("bench faults", rows.Count + 1, classes.Count, fault.Name);
            string folder = Directory.CreateTempSubdirectory($"qquant-faults-{fault.Name}-").FullName;
            var clock = Stopwatch.StartNew();
            FaultOutcome outcome;
            try
            {
                outcome = fault.Run(new FaultRun(fault.Cases(full), folder, seed, TextWriter.Null));
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }

            double seconds = clock.Elapsed.TotalSeconds;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {fault.Name} | {outcome.Tried} | {outcome.Survived} | {outcome.LostData} | {seconds:0.0} |"));
            failures.AddRange(outcome.Failures.Select(f => $"{fault.Name}: {f}"));
            if (!outcome.Passed && outcome.Failures.Count == 0)
            {
                failures.Add($"{fault.Name}: {outcome.Tried - outcome.Survived} of {outcome.Tried} cases not survived");
            }

            rows.Add(new JsonObject
            {
                ["class"] = fault.Name, ["description"] = fault.Description, ["cases"] = outcome.Tried,
                ["survived"] = outcome.Survived, ["lostData"] = outcome.LostData, ["seconds"] = Math.Round(seconds, 1),
                ["failures"] = new JsonArray(outcome.Failures.Select(f => (JsonNode?)f).ToArray()),
            });
        }

        foreach (string failure in failures)
        {
            output.WriteLine($"not survived: {failure}");
        }

        if (jsonPath is not null)
        {
            BenchOutput.WriteJson(output, jsonPath, rows);
        }

        return failures.Count == 0 ? 0 : 1;
    }
}
