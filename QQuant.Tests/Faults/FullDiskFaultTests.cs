using TorchSharp;
using QQuant.Samples.Faults;
using QQuant.Tests.Training;
using QQuant.Training;

namespace QQuant.Tests.Faults;

/// <summary>The trainer case seeds torch's global generator: these run apart from the tests that draw from it.</summary>
[Collection(GlobalTorchRandom.Name)]
public sealed class FullDiskFaultTests
{
    [Fact]
    public void Every_checkpoint_written_onto_a_full_disk_of_the_reduced_run_fails_clearly_and_keeps_the_previous_one()
    {
        using var folder = new TemporaryFolder("qquant-disk");
        SkipUnlessSmallDisks(folder.Path);
        var fault = new FullDiskFault();

        FaultOutcome outcome = fault.Run(new FaultRun(fault.Cases(full: false), folder.Path, 1, TextWriter.Null));

        Assert.True(outcome.Passed, $"{outcome.Survived} of {outcome.Tried} survived: {string.Join(" | ", outcome.Failures)}");
        Assert.Equal(4, outcome.Tried);
    }

    [Fact]
    public void A_checkpoint_that_does_not_fit_throws_a_checkpoint_error_saying_the_disk_is_full_and_leaves_nothing_behind()
    {
        using var folder = new TemporaryFolder("qquant-disk");
        SkipUnlessSmallDisks(folder.Path);
        using SmallDisk disk = SmallDisk.Mount(Path.Combine(folder.Path, "disk"), 256 * 1024);
        string first = CheckpointFiles.ForEpoch(disk.Folder, 1);
        SampleCheckpoint previous = SampleCheckpoint.Save(first, 3);
        CheckpointFiles.UpdateLatest(first);
        byte[] saved = File.ReadAllBytes(CheckpointFiles.Latest(disk.Folder));
        disk.Fill(free: 0);
        string second = CheckpointFiles.ForEpoch(disk.Folder, 2);

        var e = Assert.Throws<CheckpointFileException>(() => SampleCheckpoint.Save(second, 4, width: 400));

        Assert.Equal(second, e.FilePath);
        Assert.Contains($"Cannot write the checkpoint '{second}': the disk is full", e.Message);
        Assert.IsAssignableFrom<IOException>(e.InnerException);
        Assert.Equal(["epoch_1.ckpt", "filler.bin", "latest.ckpt"], Directory.GetFiles(disk.Folder).Select(Path.GetFileName).Order());
        Assert.Equal(saved, File.ReadAllBytes(CheckpointFiles.Latest(disk.Folder)));
        Assert.Null(previous.Differs(CheckpointFiles.Latest(disk.Folder), 3));
    }

    [Fact]
    public void A_state_dict_file_that_does_not_fit_throws_a_checkpoint_error_and_keeps_the_previous_file()
    {
        using var folder = new TemporaryFolder("qquant-disk");
        SkipUnlessSmallDisks(folder.Path);
        using SmallDisk disk = SmallDisk.Mount(Path.Combine(folder.Path, "disk"), 256 * 1024);
        string path = Path.Combine(disk.Folder, "weights.safetensors");
        using (var small = torch.nn.Linear(4, 2))
        {
            StateDictFile.Save(path, small);
        }

        byte[] before = File.ReadAllBytes(path);
        disk.Fill(free: 0);

        using var large = torch.nn.Linear(400, 400);
        var e = Assert.Throws<CheckpointFileException>(() => StateDictFile.Save(path, large));

        Assert.Equal(path, e.FilePath);
        Assert.Contains($"Cannot write the state-dict file '{path}': the disk is full", e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["filler.bin", "weights.safetensors"], Directory.GetFiles(disk.Folder).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Without_the_means_to_mount_a_small_disk_the_class_tries_nothing_and_says_why()
    {
        using var folder = new TemporaryFolder("qquant-disk");
        if (SmallDisk.WhyUnavailable(folder.Path) is null)
        {
            Assert.Skip("small disks can be mounted here; the fallback is for machines where they cannot");
        }

        FaultOutcome outcome = new FullDiskFault().Run(new FaultRun(4, folder.Path, 1, TextWriter.Null));

        Assert.Equal(0, outcome.Tried);
        Assert.StartsWith("not tried: ", Assert.Single(outcome.Failures));
    }

    private static void SkipUnlessSmallDisks(string scratch)
    {
        if (SmallDisk.WhyUnavailable(scratch) is { } why)
        {
            Assert.Skip($"no size-limited disk to fill: {why}");
        }
    }
}
