using QQuant.Samples.Faults;
using QQuant.Tests.Training;
using QQuant.Training;

namespace QQuant.Tests.Faults;

[Collection(GlobalTorchRandom.Name)]
public class NanFaultsTests
{
    [Fact]
    public void The_reduced_run_survives_every_case()
    {
        using var folder = new TemporaryFolder("faults-nan");
        var fault = new NanFaults();

        FaultOutcome outcome = fault.Run(new FaultRun(fault.Cases(full: false), folder.Path, 1, TextWriter.Null));

        Assert.True(outcome.Passed, string.Join("\n", outcome.Failures));
        Assert.Equal(4, outcome.Tried);
    }

    [Fact]
    public void The_plan_covers_both_poisons_and_a_nan_gradient_on_the_step_before_a_checkpoint()
    {
        IReadOnlyList<NanFaults.Case> cases = NanFaults.Plan(4, 1);

        Assert.Contains(cases, c => c.Poison == NanFaults.Poison.Value);
        Assert.Contains(cases, c => c.Poison == NanFaults.Poison.Gradient && c.Forward % 4 == 3);
        Assert.Equal(4, cases.Select(c => c.Scheme).Distinct().Count());
        Assert.All(cases, c => Assert.InRange(c.Forward, 4, 11));
    }

    [Theory]
    [InlineData(0, false, 5)]
    [InlineData(1, true, 6)]
    [InlineData(3, false, 8)]
    [InlineData(2, true, 9)]
    public void A_nan_parameter_mid_epoch_stops_the_run_naming_it_and_keeps_the_checkpoints(int scheme, bool gradient, int forward)
    {
        using var folder = new TemporaryFolder("faults-nan-case");

        (string? failure, bool lostData) = NanFaults.Try(new NanFaults.Case(scheme, 1, gradient ? NanFaults.Poison.Gradient : NanFaults.Poison.Value, forward), Path.Combine(folder.Path, "run"), 5);

        Assert.Null(failure);
        Assert.False(lostData);
    }

    [Theory]
    [InlineData(0, 7)]
    [InlineData(1, 7)]
    [InlineData(2, 11)]
    [InlineData(3, 11)]
    [InlineData(4, 7)]
    public void A_nan_gradient_on_the_last_step_of_an_epoch_writes_no_checkpoint_of_that_epoch(int scheme, int forward)
    {
        using var folder = new TemporaryFolder("faults-nan-epoch-end");
        string work = Path.Combine(folder.Path, "run");

        (string? failure, bool lostData) = NanFaults.Try(new NanFaults.Case(scheme, 0, NanFaults.Poison.Gradient, forward), work, 3);

        Assert.Null(failure);
        Assert.False(lostData);
        Assert.False(File.Exists(CheckpointFiles.ForEpoch(work, forward / 4 + 1)));
    }
}
