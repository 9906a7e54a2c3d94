using QQuant.Samples.Faults;

namespace QQuant.Tests.Faults;

public sealed class CheckpointTruncateFaultTests
{
    [Fact]
    public void Every_cut_of_the_reduced_run_is_reported_as_a_damaged_checkpoint()
    {
        using var folder = new TemporaryFolder("qquant-cut");
        var fault = new CheckpointTruncateFault();

        FaultOutcome outcome = fault.Run(new FaultRun(fault.Cases(full: false), folder.Path, 1, TextWriter.Null));

        Assert.True(outcome.Passed, $"{outcome.Survived} of {outcome.Tried} survived: {string.Join(" | ", outcome.Failures)}");
        Assert.Equal(25, outcome.Tried);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    [InlineData(-21)]
    public void A_cut_checkpoint_names_the_file_and_the_part_that_failed(int keepFromStartOrEnd)
    {
        using var folder = new TemporaryFolder("qquant-cut");
        string whole = Path.Combine(folder.Path, "whole.ckpt");
        SampleCheckpoint.Save(whole, 5);
        byte[] bytes = File.ReadAllBytes(whole);
        string path = folder.Write("cut.ckpt", bytes[..(keepFromStartOrEnd >= 0 ? keepFromStartOrEnd : bytes.Length + keepFromStartOrEnd)]);

        var e = Assert.Throws<CheckpointFileException>(() => Checkpoint.Load(path));

        Assert.Equal(path, e.FilePath);
        Assert.Contains($"'{path}'", e.Message);
        Assert.Matches("checksum|zip directory", e.Message);
    }
}
