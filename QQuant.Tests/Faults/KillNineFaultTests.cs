using QQuant.Samples.Faults;
using QQuant.Tests.Cli;
using QQuant.Tests.Training;
using QQuant.Training;
using TorchSharp;

namespace QQuant.Tests.Faults;

/// <summary>
/// <c>kill-9</c>: training killed with SIGKILL at random moments leaves only whole checkpoints, and resuming from
/// <c>latest.ckpt</c> ends with an uninterrupted run's weights; and the checks that decide it can fail.
/// </summary>
[Collection(GlobalTorchRandom.Name)]
public class KillNineFaultTests
{
    [Fact]
    public void Training_killed_at_random_moments_resumes_to_the_uninterrupted_weights()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "kill -9 (SIGKILL) is a Linux signal");
        using var folder = new TemporaryFolder("kill-9");
        var fault = new KillNineFault();
        var progress = new StringWriter();

        FaultOutcome outcome = fault.Run(new FaultRun(fault.Cases(full: false), folder.Path, Seed: 1, progress));

        TestContext.Current.TestOutputHelper?.WriteLine(progress.ToString());
        Assert.Equal(fault.Cases(full: false), outcome.Tried);
        Assert.True(outcome.Passed, string.Join("\n", outcome.Failures) + "\n" + progress);
    }

    [Fact]
    public void A_latest_link_to_a_missing_checkpoint_is_lost_data()
    {
        using var folder = new TemporaryFolder("kill-9-link");
        string second = SaveCheckpoint(folder.Path, 2);
        CheckpointFiles.UpdateLatest(second);
        File.Delete(second);

        WorkDirCheck.Result result = WorkDirCheck.Inspect(folder.Path);

        Assert.True(result.LostData);
        Assert.Contains("latest.ckpt", result.Problem);
        Assert.Contains("does not exist", result.Problem);
    }

    [Fact]
    public void A_truncated_epoch_checkpoint_is_lost_data_and_named()
    {
        using var folder = new TemporaryFolder("kill-9-truncated");
        CheckpointFiles.UpdateLatest(SaveCheckpoint(folder.Path, 1));
        string second = SaveCheckpoint(folder.Path, 2);
        byte[] bytes = File.ReadAllBytes(second);
        File.WriteAllBytes(second, bytes[..(bytes.Length / 2)]);

        WorkDirCheck.Result result = WorkDirCheck.Inspect(folder.Path);

        Assert.True(result.LostData);
        Assert.StartsWith("epoch_2.ckpt does not load", result.Problem);
    }

    [Fact]
    public void Temporary_files_of_a_killed_write_are_not_taken_for_checkpoints()
    {
        using var folder = new TemporaryFolder("kill-9-temporary");
        CheckpointFiles.UpdateLatest(SaveCheckpoint(folder.Path, 1));
        // What a kill leaves: half a checkpoint and a new link, each under its temporary name.
        byte[] whole = File.ReadAllBytes(SaveCheckpoint(folder.Path, 2));
        File.Delete(CheckpointFiles.ForEpoch(folder.Path, 2));
        folder.Write($".epoch_2.ckpt.{Guid.NewGuid():N}.tmp", whole[..(whole.Length / 3)]);
        File.CreateSymbolicLink(Path.Combine(folder.Path, $".latest.ckpt.{Guid.NewGuid():N}.tmp"), "epoch_2.ckpt");

        WorkDirCheck.Result result = WorkDirCheck.Inspect(folder.Path);

        Assert.True(result.Passed, result.Problem);
        Assert.Equal(1, result.LatestEpoch);
    }

    [Fact]
    public void A_json_log_line_continued_by_another_run_is_a_problem_but_an_unfinished_last_line_is_not()
    {
        using var folder = new TemporaryFolder("kill-9-log");
        folder.Write("20260101_000000.log.json", "{\"seed\": 1}\n{\"mode\": \"train\", \"epo"u8.ToArray());
        Assert.True(WorkDirCheck.Inspect(folder.Path).Passed);

        File.AppendAllText(Path.Combine(folder.Path, "20260101_000000.log.json"), "{\"seed\": 1}\n");
        WorkDirCheck.Result result = WorkDirCheck.Inspect(folder.Path);

        Assert.False(result.Passed);
        Assert.False(result.LostData);
        Assert.Contains("20260101_000000.log.json has a line that is not JSON", result.Problem);
    }

    [Fact]
    public void Resuming_from_a_latest_ckpt_that_was_never_written_says_so()
    {
        using var folder = new TemporaryFolder("kill-9-none");
        TinyTraining training = TinyTraining.Write(folder.Path, totalEpochs: 1);
        string workDir = Path.Combine(folder.Path, "work");
        string latest = CheckpointFiles.Latest(workDir);

        (int code, _, string error) = TrainTestInferCommandTests.Run("train", training.ConfigPath, "--work-dir", workDir, "--resume-from", "latest");

        Assert.NotEqual(0, code);
        Assert.Contains($"--resume-from: '{latest}' does not exist.", error);
        Assert.False(File.Exists(CheckpointFiles.ForEpoch(workDir, 1)), "nothing was trained");
    }

    private static string SaveCheckpoint(string folder, int epoch)
    {
        using var model = torch.nn.Linear(3, 2);
        using var optimizer = torch.optim.SGD(model.parameters(), 0.1, momentum: 0.9);
        string path = CheckpointFiles.ForEpoch(folder, epoch);
        Checkpoint.Save(path, model, optimizer, new CheckpointMeta { Epoch = epoch, Iteration = 4L * epoch });
        return path;
    }
}
