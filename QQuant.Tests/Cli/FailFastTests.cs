using QQuant.Tests.Training;
using static TorchSharp.torch;

namespace QQuant.Tests.Cli;

/// <summary>
/// Bad input to <c>qquant train</c> fails before the run starts: one <c>error:</c> line (no preamble), exit code 1,
/// and no work dir left behind; and <see cref="Devices.Parse"/> names the option and the valid choices.
/// </summary>
[Collection(GlobalTorchRandom.Name)]
public class FailFastTests
{
    private const string LsqPolicy = """{ "policy": { "Conv2d": { "type": "LSQConv", "w": 4, "a": 4 } } }""";

    private static (int Code, string Output, string Error) Run(params string[] args) => TrainTestInferCommandTests.Run(args);

    internal static void AssertFailedAlone(int code, string output, string error, string workDir, params string[] named)
    {
        Assert.Equal(1, code);
        Assert.Equal("", output);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        foreach (string text in named)
        {
            Assert.Contains(text, line);
        }

        Assert.False(Directory.Exists(workDir), $"the failed run left {workDir} behind");
    }

    [Fact]
    public void A_misspelled_quantized_layer_type_is_the_only_line_and_nothing_is_written()
    {
        using var folder = new TemporaryFolder("fail-fast");
        string config = TrainTestInferCommandTests.WriteConfig(folder, "typo.json", LsqPolicy.Replace("LSQConv", "LSQConv3", StringComparison.Ordinal));
        string workDir = Path.Combine(folder.Path, "work");

        (int code, string output, string error) = Run("train", config, "--work-dir", workDir);

        AssertFailedAlone(code, output, error, workDir, "'LSQConv3'", "nearest: 'LSQConv'");
    }

    [Fact]
    public void A_missing_load_from_checkpoint_is_named_before_the_run_starts()
    {
        using var folder = new TemporaryFolder("fail-fast");
        string config = TrainTestInferCommandTests.WriteConfig(folder, "qat.json", LsqPolicy);
        string workDir = Path.Combine(folder.Path, "work");
        string missing = Path.Combine(folder.Path, "float", "latest.ckpt");

        (int code, string output, string error) = Run("train", config, "--work-dir", workDir, "--load-from", missing);
        AssertFailedAlone(code, output, error, workDir, "--load-from", missing);

        (code, output, error) = Run("train", config, "--work-dir", workDir, "--options", $"resumeFrom={missing}");
        AssertFailedAlone(code, output, error, workDir, "resumeFrom", missing, config);
    }

    [Theory]
    [InlineData("data.samplesPerGpu=-1", "data:samplesPerGpu: must be at least 1")]
    [InlineData("data.samplesPerGpu=0", "data:samplesPerGpu: must be at least 1")]
    [InlineData("data.workersPerGpu=-2", "data:workersPerGpu: must be 0")]
    public void A_batch_size_or_loader_thread_count_out_of_range_is_named_before_the_run_starts(string option, string named)
    {
        using var folder = new TemporaryFolder("fail-fast");
        string config = TrainTestInferCommandTests.WriteConfig(folder, "float.json");
        string workDir = Path.Combine(folder.Path, "work");

        (int code, string output, string error) = Run("train", config, "--work-dir", workDir, "--options", option);

        AssertFailedAlone(code, output, error, workDir, named, config);
    }

    [Fact]
    public void A_device_this_process_lacks_is_refused_before_the_run_starts()
    {
        Assert.SkipWhen(cuda.is_available(), "CUDA is available here: 'cuda' is a valid device");
        using var folder = new TemporaryFolder("fail-fast");
        string config = TrainTestInferCommandTests.WriteConfig(folder, "float.json");
        string workDir = Path.Combine(folder.Path, "work");

        (int code, string output, string error) = Run("train", config, "--work-dir", workDir, "--device", "cuda");

        AssertFailedAlone(code, output, error, workDir, "--device: 'cuda' needs CUDA", "use cpu");
    }

    [Fact]
    public void A_work_dir_under_a_file_is_named_by_the_option_or_key_that_gave_it()
    {
        using var folder = new TemporaryFolder("fail-fast");
        string config = TrainTestInferCommandTests.WriteConfig(folder, "float.json");
        string plain = folder.Write("plain.txt", [1]);
        string workDir = Path.Combine(plain, "w");

        (int code, string output, string error) = Run("train", config, "--work-dir", workDir);
        AssertFailedAlone(code, output, error, workDir, $"--work-dir: cannot make '{workDir}': '{plain}' is a file, not a folder.");

        (code, output, error) = Run("train", config, "--options", $"workDir={workDir}");
        AssertFailedAlone(code, output, error, workDir, $"workDir: cannot make '{workDir}'");
    }

    [Fact]
    public void A_run_that_fails_after_making_its_work_dir_removes_it_again()
    {
        // The file exists, so the checks before the start pass; reading it fails once the log is open.
        using var folder = new TemporaryFolder("fail-fast");
        string config = TrainTestInferCommandTests.WriteConfig(folder, "float.json");
        string workDir = Path.Combine(folder.Path, "work");
        string damaged = folder.Write("damaged.ckpt", [1, 2, 3, 4]);

        (int code, _, string error) = Run("train", config, "--work-dir", workDir, "--resume-from", damaged);

        Assert.Equal(1, code);
        Assert.Contains(damaged, error);
        Assert.False(Directory.Exists(workDir), "the failed run left its work dir behind");
    }

    [Fact]
    public void A_failed_run_keeps_a_work_dir_that_existed_before()
    {
        using var folder = new TemporaryFolder("fail-fast");
        string config = TrainTestInferCommandTests.WriteConfig(folder, "float.json");
        string workDir = Directory.CreateDirectory(Path.Combine(folder.Path, "work")).FullName;
        string earlier = Path.Combine(workDir, "earlier.log");
        File.WriteAllText(earlier, "kept");
        string damaged = folder.Write("damaged.ckpt", [1, 2, 3, 4]);

        (int code, _, _) = Run("train", config, "--work-dir", workDir, "--resume-from", damaged);

        Assert.Equal(1, code);
        Assert.Equal("kept", File.ReadAllText(earlier));
    }

    [Theory]
    [InlineData("gpu", "'gpu' is not a device; use cpu, cuda or cuda:N")]
    [InlineData("cuda:x", "'cuda:x' is not a device")]
    [InlineData("2147483647", "'2147483647' is not a device QQuant runs on")]
    [InlineData("cpu:-5", "'cpu:-5' is not a device")]
    public void Devices_parse_names_the_key_and_the_valid_choices(string name, string expected)
    {
        var e = Assert.Throws<DeviceNotAvailableException>(() => Devices.Parse(name, "device"));

        Assert.StartsWith("device: ", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Equal(name, e.Name);
    }

    [Fact]
    public void Devices_parse_refuses_a_gpu_index_beyond_the_machines()
    {
        var e = Assert.Throws<DeviceNotAvailableException>(() => Devices.Parse("cuda:63", "--device"));

        Assert.StartsWith("--device: 'cuda:63' ", e.Message);
        Assert.Equal(TorchSharp.DeviceType.CPU, Devices.Parse("cpu", "--device").type);
    }
}
