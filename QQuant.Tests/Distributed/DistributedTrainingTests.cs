using System.Diagnostics;
using QQuant.Tests.Cli;
using QQuant.Training;
using static TorchSharp.torch;

namespace QQuant.Tests.Distributed;

/// <summary>
/// <c>mpirun -np 2 qquant train ... --launcher mpi</c> against one process: the same weights as one process with the
/// doubled batch (a BatchNorm-free LeNet-5), quantizer state identical on both ranks, the validation top-1 over the
/// whole split, and a failing process that stops the job.
/// </summary>
[Collection(QQuant.Tests.Training.GlobalTorchRandom.Name)]
public sealed class DistributedTrainingTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("distributed");

    public void Dispose() => _folder.Dispose();

    // LeNet-5 (no BatchNorm) on the shipped subset resized to 32x32, 2 epochs, SGD with momentum and weight decay.
    private string Config(string? quantTransformer = null, string? model = null, string name = "lenet")
    {
        string subset = TrainTestInferCommandTests.Subset.Replace("\\", "/", StringComparison.Ordinal);
        string pipeline = """
            { "type": "Resize", "size": [ 32, 32 ] },
            { "type": "Normalize", "mean": [ 72.94 ], "std": [ 90.02 ], "toRgb": false },
            { "type": "ImageToTensor", "keys": [ "img" ] }
            """;
        string json = $$"""
            {
              "model": {{model ?? LeNet()}},
              "data": {
                "samplesPerGpu": 100,
                "workersPerGpu": 0,
                "train": { "type": "FashionMNIST", "dataPrefix": "{{subset}}", "pipeline": [ {{pipeline}}, { "type": "ToTensor", "keys": [ "gt_label" ] }, { "type": "Collect", "keys": [ "img", "gt_label" ] } ] },
                "val": { "type": "FashionMNIST", "dataPrefix": "{{subset}}", "testMode": true, "pipeline": [ {{pipeline}}, { "type": "Collect", "keys": [ "img" ] } ] },
                "test": { "type": "FashionMNIST", "dataPrefix": "{{subset}}", "testMode": true, "pipeline": [ {{pipeline}}, { "type": "Collect", "keys": [ "img" ] } ] }
              },
              "optimizer": { "type": "SGD", "lr": 0.05, "momentum": 0.9, "weightDecay": 0.0005 },
              "optimizerConfig": { "gradClip": { "maxNorm": 5 } },
              "lrConfig": { "policy": "CosineAnnealing", "minLr": 0 },
              "totalEpochs": 2,
              "checkpointConfig": { "interval": 1 },
              "evaluation": { "interval": 1, "metric": "accuracy" },
              "logConfig": { "interval": 10 }
              {{(quantTransformer is null ? "" : $", \"quantTransformer\": {quantTransformer}")}}
            }
            """;
        return _folder.Write((quantTransformer is null ? name : $"{name}_lsq") + ".json", System.Text.Encoding.UTF8.GetBytes(json));
    }

    private static string LeNet(int inChannels = 1) => $$"""
        {
          "type": "ImageClassifier",
          "backbone": { "type": "LeNet5", "numClasses": -1, "inChannels": {{inChannels}} },
          "neck": { "type": "GlobalAveragePooling" },
          "head": { "type": "LinearClsHead", "numClasses": 10, "inChannels": 120 }
        }
        """;

    private const string CifarResNet8 = """
        {
          "type": "ImageClassifier",
          "backbone": { "type": "CifarResNet", "depth": 8, "inChannels": 1, "baseChannels": 8 },
          "neck": { "type": "GlobalAveragePooling" },
          "head": { "type": "LinearClsHead", "numClasses": 10, "inChannels": 32 }
        }
        """;

    internal static (int Code, string Output) Mpirun(int processes, params string[] qquant) =>
        Launch(["-np", processes.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", QQuantDll, .. qquant]);

    // One qquant command line per rank (mpirun's "A : B" form).
    private static (int Code, string Output) PerRank(string[] rank0, string[] rank1) =>
        Launch(["-np", "1", "dotnet", QQuantDll, .. rank0, ":", "-np", "1", "dotnet", QQuantDll, .. rank1]);

    private static string QQuantDll => Path.Combine(AppContext.BaseDirectory, "qquant.dll");

    private static (int Code, string Output) Launch(string[] programs) =>
        LaunchedProcess.Run(MpiLaunchTests.Mpirun()!, ["--allow-run-as-root", "--oversubscribe", "--bind-to", "none", .. programs], TimeSpan.FromMinutes(4));

    private static Dictionary<string, float[]> Weights(string workDir)
    {
        using Checkpoint checkpoint = Checkpoint.Load(CheckpointFiles.Latest(workDir));
        return checkpoint.ModelState.ToDictionary(p => p.Key, p => p.Value.to(ScalarType.Float32).data<float>().ToArray());
    }

    [Fact]
    public void Two_processes_end_with_the_weights_of_one_process_with_the_doubled_batch()
    {
        Assert.SkipWhen(MpiLaunchTests.Mpirun() is null, "Open MPI is not installed (apt install openmpi-bin)");
        string config = Config();
        string one = Path.Combine(_folder.Path, "one"), two = Path.Combine(_folder.Path, "two");

        (int code, string output, string error) = TrainTestInferCommandTests.Run("train", config, "--work-dir", one, "--options", "data.samplesPerGpu=200");
        Assert.True(code == 0, error);
        (code, string distributed) = Mpirun(2, "train", config, "--work-dir", two, "--launcher", "mpi");
        Assert.True(code == 0, distributed);

        Dictionary<string, float[]> expected = Weights(one), actual = Weights(two);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach ((string key, float[] e) in expected)
        {
            double scale = Math.Max(1e-3, e.Max(Math.Abs));
            double worst = e.Zip(actual[key], (a, b) => (double)Math.Abs(a - b)).Max();
            Assert.True(worst <= 1e-5 * scale, $"{key}: largest difference {worst:G3} for values up to {scale:G3}");
        }

        // Rank 0 alone logs; both evaluate their half of the validation split, and the top-1 is over all of it.
        Assert.Single(Directory.GetFiles(two, "*.log"));
        Assert.Contains("data parallel: 2 processes over mpi (Open MPI", distributed, StringComparison.Ordinal);
        Assert.Equal(Metric(output, "accuracy_top-1"), Metric(distributed, "accuracy_top-1"), 1e-9);
        Assert.Equal(1, distributed.Split('\n').Count(l => l.StartsWith("trained 2 epochs", StringComparison.Ordinal)));

        // Resumed after epoch 1 with the same process count, the run ends bit for bit where the uninterrupted one did.
        string resumed = Path.Combine(_folder.Path, "resumed");
        (code, string again) = Mpirun(2, "train", config, "--work-dir", resumed, "--launcher", "mpi", "--resume-from", Path.Combine(two, "epoch_1.ckpt"));
        Assert.True(code == 0, again);
        Dictionary<string, float[]> continued = Weights(resumed);
        Assert.All(actual, p => Assert.Equal(p.Value, continued[p.Key]));
    }

    [Fact]
    public void With_synchronised_batch_norm_a_residual_network_trains_and_its_processes_agree()
    {
        Assert.SkipWhen(MpiLaunchTests.Mpirun() is null, "Open MPI is not installed (apt install openmpi-bin)");
        string config = Config(model: CifarResNet8, name: "cres8");
        string work = Path.Combine(_folder.Path, "sync-bn");

        (int code, string output) = Mpirun(2, "train", config, "--work-dir", work, "--launcher", "mpi", "--sync-bn", "--options", "totalEpochs=1");

        // The gradients themselves are checked against one process in MpiRankTests; a BatchNorm network's 25 steps
        // amplify float rounding (1 thread per process here, 2 in one process) too much for a weight comparison.
        Assert.True(code == 0, output);
        Assert.Contains("data parallel: 2 processes over mpi (Open MPI", output, StringComparison.Ordinal);
        // CifarResNet-8: the stem, two per block in 3 blocks, 2 downsamples.
        Assert.Contains("; 9 BatchNorms synchronised", output, StringComparison.Ordinal);
        using Checkpoint checkpoint = Checkpoint.Load(CheckpointFiles.Latest(work));
        Assert.Contains("backbone.layer1.0.bn1.running_var", checkpoint.ModelState.Keys);
    }

    [Fact]
    public void A_quantized_model_trains_with_identical_quantizer_state_on_both_processes()
    {
        Assert.SkipWhen(MpiLaunchTests.Mpirun() is null, "Open MPI is not installed (apt install openmpi-bin)");
        string config = Config("""{ "type": "QuantTransformer", "policy": { "Conv2d": { "type": "LSQConv", "w": 4, "a": 4 } } }""");
        string work = Path.Combine(_folder.Path, "lsq");

        (int code, string output) = Mpirun(2, "train", config, "--work-dir", work, "--launcher", "mpi", "--options", "totalEpochs=1");

        // The trainer compares every process's state with rank 0's after each epoch and stops all of them if one differs.
        Assert.True(code == 0, output);
        using Checkpoint checkpoint = Checkpoint.Load(CheckpointFiles.Latest(work));
        Assert.Contains(checkpoint.ModelState.Keys, k => k.EndsWith("input_quantizer.step", StringComparison.Ordinal));
    }

    [Fact]
    public void A_process_that_fails_while_preparing_reports_once_and_every_process_exits()
    {
        Assert.SkipWhen(MpiLaunchTests.Mpirun() is null, "Open MPI is not installed (apt install openmpi-bin)");
        string config = Config();
        string[] good = ["train", config, "--work-dir", Path.Combine(_folder.Path, "bad-prepare"), "--launcher", "mpi"];
        var clock = Stopwatch.StartNew();

        (int code, string output) = PerRank(good, [.. good, "--options", "data.samplesPerGpu=0"]);

        Assert.NotEqual(0, code);
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), $"{clock.Elapsed}");
        // (Lines may start with the terminal codes dotnet prints, so the error is found by its text.)
        string error = Assert.Single(output.Split('\n'), l => l.Contains("error: ", StringComparison.Ordinal));
        Assert.Contains("data:samplesPerGpu: must be at least 1", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_loss_that_diverges_on_one_process_stops_both_with_one_message()
    {
        Assert.SkipWhen(MpiLaunchTests.Mpirun() is null, "Open MPI is not installed (apt install openmpi-bin)");
        string config = Config();
        string[] good = ["train", config, "--work-dir", Path.Combine(_folder.Path, "diverged"), "--launcher", "mpi"];

        (int code, string output) = PerRank(good, [.. good, "--options", "optimizer.lr=1e30"]);

        Assert.NotEqual(0, code);
        string error = Assert.Single(output.Split('\n'), l => l.Contains("error: ", StringComparison.Ordinal));
        Assert.Contains("on 1 of 2 processes", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_process_that_fails_while_training_stops_the_job_with_its_error()
    {
        Assert.SkipWhen(MpiLaunchTests.Mpirun() is null, "Open MPI is not installed (apt install openmpi-bin)");
        // Two copies of an image folder; in rank 1's, every image is corrupt, which it finds only when it loads its first batch.
        string good = ImageFolder("good", corrupt: false), bad = ImageFolder("bad", corrupt: true);
        string json = $$"""
            {
              "model": {{LeNet(inChannels: 3)}},
              "data": {
                "samplesPerGpu": 4, "workersPerGpu": 0,
                "train": { "type": "ImageNet", "dataPrefix": "{{good.Replace("\\", "/", StringComparison.Ordinal)}}", "pipeline": [
                  { "type": "LoadImageFromFile" }, { "type": "Resize", "size": [ 32, 32 ] },
                  { "type": "Normalize", "mean": [ 127, 127, 127 ], "std": [ 64, 64, 64 ], "toRgb": true },
                  { "type": "ImageToTensor", "keys": [ "img" ] }, { "type": "ToTensor", "keys": [ "gt_label" ] }, { "type": "Collect", "keys": [ "img", "gt_label" ] } ] }
              },
              "optimizer": { "type": "SGD", "lr": 0.01 },
              "lrConfig": { "policy": "Fixed" },
              "totalEpochs": 50
            }
            """;
        string config = _folder.Write("folder.json", System.Text.Encoding.UTF8.GetBytes(json));
        string[] train = ["train", config, "--work-dir", Path.Combine(_folder.Path, "fails"), "--launcher", "mpi", "--no-validate"];
        // Rank 0's copy trains: were it broken too, rank 0 would race rank 1 to report its own error.
        (int alone, _, string aloneError) = TrainTestInferCommandTests.Run(
            "train", config, "--work-dir", Path.Combine(_folder.Path, "alone"), "--no-validate", "--options", "totalEpochs=1");
        Assert.True(alone == 0, aloneError);
        var clock = Stopwatch.StartNew();

        (int code, string output) = PerRank(train, [.. train, "--options", $"data.train.dataPrefix={bad}"]);

        Assert.NotEqual(0, code);
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), $"{clock.Elapsed}");
        string error = Assert.Single(output.Split('\n'), l => l.Contains("error: ", StringComparison.Ordinal));
        Assert.Contains("error: process 1 of 2: ", error, StringComparison.Ordinal);
        Assert.Contains("Cannot load the image", error, StringComparison.Ordinal);
        Assert.DoesNotContain("trained 50 epochs", output, StringComparison.Ordinal);
    }

    // Two classes of 8 PNG images each (or files that are not images).
    private string ImageFolder(string name, bool corrupt)
    {
        var random = new Random(3);
        foreach (string label in (string[])["cat", "dog"])
        {
            string folder = Path.Combine(_folder.Path, name, label);
            Directory.CreateDirectory(folder);
            for (int i = 0; i < 8; i++)
            {
                string file = Path.Combine(folder, $"{i}.png");
                if (corrupt)
                {
                    File.WriteAllBytes(file, [1, 2, 3, 4]);
                    continue;
                }

                using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(20, 20);
                image[random.Next(20), random.Next(20)] = new SixLabors.ImageSharp.PixelFormats.Rgb24(255, 0, 0);
                SixLabors.ImageSharp.ImageExtensions.SaveAsPng(image, file);
            }
        }

        return Path.Combine(_folder.Path, name);
    }

    // The last "accuracy_top-1: x" of a log.
    private static double Metric(string log, string name)
    {
        string line = log.Split('\n').Last(l => l.Contains($"{name}: ", StringComparison.Ordinal));
        string text = line[(line.LastIndexOf($"{name}: ", StringComparison.Ordinal) + name.Length + 2)..].Split(',', ';', '\t', ' ')[0];
        return double.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }
}
