using QQuant.Samples.Faults;
using QQuant.Tests.Training;
using QQuant.Vision;
using static TorchSharp.torch;

namespace QQuant.Tests.Faults;

[Collection(GlobalTorchRandom.Name)]
public class ConcurrencyFaultsTests
{
    [Fact]
    public void The_reduced_run_survives_every_case()
    {
        using var folder = new TemporaryFolder("faults-concurrency");
        var fault = new ConcurrencyFaults();

        FaultOutcome outcome = fault.Run(new FaultRun(fault.Cases(full: false), folder.Path, 1, TextWriter.Null));

        Assert.True(outcome.Passed, string.Join("\n", outcome.Failures));
        Assert.Equal(200, outcome.Tried);
    }

    [Fact]
    public void A_call_that_differs_from_its_sequential_result_or_throws_is_not_survived()
    {
        var calls = 0;
        ConcurrencyFaults.Request[] requests =
        [
            new("steady", () => [new Prediction(1, 0.5, "b")]),
            new("drifting", () => [new Prediction(1, 0.5 + Interlocked.Increment(ref calls) * 1e-12, "b")]),
            new("throwing", () => throw new InvalidOperationException("shared state")),
        ];
        IReadOnlyList<Prediction>[] expected = [[new Prediction(1, 0.5, "b")], [new Prediction(1, 0.5, "b")], [new Prediction(1, 0.5, "b")]];
        var results = new string?[30];

        ConcurrencyFaults.CallConcurrently(requests, expected, results, 0, 30, 4, seed: 0);

        // Call i asks for request (7i mod 3): 0, 1, 2 in turn.
        Assert.All(results.Where((_, i) => i % 3 == 0), Assert.Null);
        Assert.All(results.Where((_, i) => i % 3 == 1), r => Assert.Matches(@"drifting: got b 0\.50+[1-9]\d*, sequentially b 0\.5$", r));
        Assert.All(results.Where((_, i) => i % 3 == 2), r => Assert.Contains("throwing: InvalidOperationException: shared state", r));
    }

    [Fact]
    public void Two_training_runs_of_the_same_seed_end_in_the_same_bits_and_another_seed_does_not()
    {
        Dictionary<string, Tensor> first = ConcurrencyFaults.Train(3);
        Dictionary<string, Tensor> second = ConcurrencyFaults.Train(3);
        Dictionary<string, Tensor> other = ConcurrencyFaults.Train(4);

        Assert.Equal(first.Keys, second.Keys);
        Assert.Contains(first.Keys, k => k.EndsWith("input_quantizer.step", StringComparison.Ordinal));
        Assert.All(first, p => Assert.True(TinyClassification.SameBits(p.Value, second[p.Key]), p.Key));
        Assert.Contains(first, p => p.Value.is_floating_point() && !TinyClassification.SameBits(p.Value, other[p.Key]));
    }
}
