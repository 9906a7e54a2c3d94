using QQuant.Samples.Faults;

namespace QQuant.Tests.Faults;

public sealed class CheckpointFlipFaultTests
{
    [Fact]
    public void Every_flipped_byte_of_the_reduced_run_is_reported_as_a_damaged_checkpoint()
    {
        using var folder = new TemporaryFolder("qquant-flip");
        var fault = new CheckpointFlipFault();

        FaultOutcome outcome = fault.Run(new FaultRun(fault.Cases(full: false), folder.Path, 1, TextWriter.Null));

        Assert.True(outcome.Passed, $"{outcome.Survived} of {outcome.Tried} survived: {string.Join(" | ", outcome.Failures)}");
        Assert.Equal(25, outcome.Tried);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(-1)]
    [InlineData(-23)]
    public void A_flipped_zip_header_or_directory_byte_is_caught_by_the_file_checksum_with_the_file_named(int fromStartOrEnd)
    {
        using var folder = new TemporaryFolder("qquant-flip");
        string path = Path.Combine(folder.Path, "flipped.ckpt");
        SampleCheckpoint.Save(path, 5);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[fromStartOrEnd >= 0 ? fromStartOrEnd : bytes.Length + fromStartOrEnd] ^= 0x40;
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<CheckpointFileException>(() => Checkpoint.Load(path));

        Assert.Equal(path, e.FilePath);
        Assert.Contains($"'{path}'", e.Message);
        Assert.Matches("checksum|zip directory", e.Message);
    }

    [Fact]
    public void The_judge_counts_a_load_with_changed_content_as_not_survived()
    {
        using var folder = new TemporaryFolder("qquant-flip");
        string path = Path.Combine(folder.Path, "sample.ckpt");
        SampleCheckpoint sample = SampleCheckpoint.Save(path, 5);
        string other = Path.Combine(folder.Path, "other.ckpt");
        SampleCheckpoint.Save(other, 6);

        Assert.Null(sample.Judge(path, 5));
        Assert.Contains("loaded without an error but the model tensor", sample.Judge(other, 5));
    }
}
