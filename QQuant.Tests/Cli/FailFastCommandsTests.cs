using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Samples;
using QQuant.Tests.Training;
using QQuant.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace QQuant.Tests.Cli;

/// <summary>
/// Configs, checkpoints (untrained: the quantizers initialised by one training batch), an image and a file that only
/// looks like an ONNX model, for the fail-fast checks of the commands other than <c>train</c>.
/// </summary>
public sealed class FailFastInputs : IDisposable
{
    internal const string LsqPolicy = """{ "type": "QuantTransformer", "policy": { "Conv2d": { "type": "LSQConv", "w": 4, "a": 4 } } }""";

    public FailFastInputs()
    {
        Folder = new TemporaryFolder("fail-fast-commands");
        FloatConfig = TrainTestInferCommandTests.WriteConfig(Folder, "float.json");
        QuantConfig = TrainTestInferCommandTests.WriteConfig(Folder, "lsq.json", LsqPolicy);
        TypoConfig = TrainTestInferCommandTests.WriteConfig(Folder, "typo.json", LsqPolicy.Replace("LSQConv", "LSQConv3", StringComparison.Ordinal));
        string noTest = Regex.Replace(File.ReadAllText(QuantConfig), "\"test\": \\{ \"dataPrefix\": \"[^\"]*\" \\}",
            $"\"test\": {{ \"dataPrefix\": \"{Path.Combine(Folder.Path, "no-test-split").Replace("\\", "/", StringComparison.Ordinal)}\" }}");
        NoTestSplitConfig = Folder.Write("no_test_split.json", System.Text.Encoding.UTF8.GetBytes(noTest));
        string checkpoints = Directory.CreateDirectory(Path.Combine(Folder.Path, "checkpoints")).FullName;
        FloatCheckpoint = Save(FloatConfig, Path.Combine(checkpoints, "float.ckpt"));
        QuantCheckpoint = Save(QuantConfig, Path.Combine(checkpoints, "lsq.ckpt"));
        Image = Path.Combine(Folder.Path, "shirt.png");
        using (var picture = new Image<L8>(28, 28, new L8(200)))
        {
            picture.SaveAsPng(Image);
        }

        NotOnnx = Folder.Write("model.onnx", [1, 2, 3, 4]);
        PlainFile = Folder.Write("plain.txt", [7]);
    }

    internal TemporaryFolder Folder { get; }

    public string FloatConfig { get; }

    public string QuantConfig { get; }

    public string TypoConfig { get; }

    public string NoTestSplitConfig { get; }

    public string FloatCheckpoint { get; }

    public string QuantCheckpoint { get; }

    public string Image { get; }

    public string NotOnnx { get; }

    public string PlainFile { get; }

    public void Dispose() => Folder.Dispose();

    private static string Save(string config, string path)
    {
        using ServiceProvider services = CliServices.Create();
        (ImageClassifier model, _) = services.GetRequiredService<ClassifierFactory>().Build(ConfigDocument.Load(config).ToConfiguration());
        using (model)
        {
            using var scope = NewDisposeScope();
            model.train();
            model.call(rand(4, 1, 28, 28));
            Checkpoint.Save(path, model, null, new CheckpointMeta { Epoch = 1, Classes = FashionMNIST.StandardClasses });
        }

        return path;
    }
}

/// <summary>
/// Bad input to <c>test</c>, <c>infer</c>, <c>predict</c>, <c>export</c>, <c>analyze</c>, <c>plan</c> and
/// <c>quickstart</c> fails before the work starts: one <c>error:</c> line naming the option or file (no preamble, no
/// report), exit code 1, and nothing written.
/// </summary>
[Collection(GlobalTorchRandom.Name)]
public class FailFastCommandsTests(FailFastInputs inputs) : IClassFixture<FailFastInputs>
{
    private static string[] Entries(string folder) => [.. Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];

    // Runs the command and checks FailFastTests' contract; notMade is a folder the command must not leave behind, and
    // the shared folder (and `outputs`, when given) must hold exactly what it held before.
    private string FailsAlone(string[] args, string notMade, string? outputs, params string[] named)
    {
        string[] before = Entries(inputs.Folder.Path);
        string[] outputsBefore = outputs is null ? [] : Entries(outputs);

        (int code, string output, string error) = TrainTestInferCommandTests.Run(args);

        FailFastTests.AssertFailedAlone(code, output, error, notMade, named);
        Assert.Equal(before, Entries(inputs.Folder.Path));
        Assert.Equal(outputsBefore, outputs is null ? [] : Entries(outputs));
        return error.Trim();
    }

    private string NoWorkDir => Path.Combine(inputs.Folder.Path, "work");

    private string Missing(string name) => Path.Combine(inputs.Folder.Path, "checkpoints", name);

    // test

    [Fact]
    public void Test_checks_its_out_file_before_evaluating_the_test_split()
    {
        using var outputs = new TemporaryFolder("fail-fast-out");
        string folder = Directory.CreateDirectory(Path.Combine(outputs.Path, "results.json")).FullName;

        FailsAlone(["test", inputs.QuantConfig, inputs.QuantCheckpoint, "--out", folder], NoWorkDir, outputs.Path, "--out: ", folder, "is a folder");

        string underFile = Path.Combine(inputs.PlainFile, "results.json");
        FailsAlone(["test", inputs.QuantConfig, inputs.QuantCheckpoint, "--out", underFile], NoWorkDir, null,
            "--out: cannot write", $"'{inputs.PlainFile}' is a file, not a folder");
    }

    [Fact]
    public void Test_names_a_missing_checkpoint_and_the_nearest_ones_before_reading_the_data()
    {
        string missing = Missing("lsq2.ckpt");

        FailsAlone(["test", inputs.QuantConfig, missing], NoWorkDir, null, $"checkpoint: '{missing}' does not exist", "(nearest: 'lsq.ckpt'");
    }

    [Fact]
    public void Test_refuses_a_float_checkpoint_for_a_quantized_config_in_one_line()
    {
        FailsAlone(["test", inputs.QuantConfig, inputs.FloatCheckpoint], NoWorkDir, null, inputs.FloatCheckpoint, "holds no state for the quantizers", "float checkpoint");
    }

    [Fact]
    public void Test_names_a_misspelled_layer_type_and_the_nearest_ones()
    {
        FailsAlone(["test", inputs.TypoConfig, inputs.QuantCheckpoint], NoWorkDir, null, "'LSQConv3'", "nearest: 'LSQConv'");
    }

    [Theory]
    [InlineData("test")]
    [InlineData("infer")]
    [InlineData("predict")]
    [InlineData("analyze")]
    public void A_device_this_process_lacks_is_refused_before_the_model_is_built(string command)
    {
        Assert.SkipWhen(cuda.is_available(), "CUDA is available here: 'cuda' is a valid device");
        string[] args = command switch
        {
            "test" => ["test", inputs.QuantConfig, inputs.QuantCheckpoint, "--device", "cuda"],
            "infer" => ["infer", "--config", inputs.QuantConfig, "--checkpoint", inputs.QuantCheckpoint, "--image", inputs.Image, "--device", "cuda"],
            "predict" => ["predict", "--config", inputs.QuantConfig, "--checkpoint", inputs.QuantCheckpoint, "--image", inputs.Image, "--device", "cuda"],
            _ => Analyze(Path.Combine(inputs.Folder.Path, "never.html"), "--device", "cuda"),
        };

        FailsAlone(args, NoWorkDir, null, "--device: 'cuda' needs CUDA", "use cpu");
    }

    // predict

    [Fact]
    public void Predict_names_each_missing_file_by_its_option()
    {
        string config = Path.Combine(inputs.Folder.Path, "lsq_.json");
        FailsAlone(["predict", "--config", config, "--checkpoint", inputs.QuantCheckpoint, "--image", inputs.Image], NoWorkDir, null,
            $"--config: '{config}' does not exist", "(nearest: 'lsq.json'");

        string checkpoint = Missing("lsq.pth");
        string error = FailsAlone(["predict", "--config", inputs.QuantConfig, "--checkpoint", checkpoint, "--image", inputs.Image], NoWorkDir, null,
            $"--checkpoint: '{checkpoint}' does not exist");
        Assert.DoesNotContain("extension", error, StringComparison.Ordinal);

        string image = Path.Combine(inputs.Folder.Path, "shirts.png");
        FailsAlone(["predict", "--config", inputs.QuantConfig, "--checkpoint", inputs.QuantCheckpoint, "--image", inputs.Image, image], NoWorkDir, null,
            $"--image: '{image}' does not exist", "(nearest: 'shirt.png')");

        string folder = Path.Combine(inputs.Folder.Path, "checkpoints");
        FailsAlone(["predict", "--config", inputs.QuantConfig, "--checkpoint", inputs.QuantCheckpoint, "--image", folder], NoWorkDir, null,
            $"--image: '{folder}' is a folder, not a file");

        string onnx = Path.Combine(inputs.Folder.Path, "modle.onnx");
        FailsAlone(["predict", "--onnx", onnx, "--image", inputs.Image], NoWorkDir, null, $"--onnx: '{onnx}' does not exist", "(nearest: 'model.onnx')");
    }

    [Fact]
    public void Predict_refuses_a_float_checkpoint_and_a_misspelled_layer_type_in_one_line()
    {
        FailsAlone(["predict", "--config", inputs.QuantConfig, "--checkpoint", inputs.FloatCheckpoint, "--image", inputs.Image], NoWorkDir, null,
            "holds no state for the quantizers");
        FailsAlone(["predict", "--config", inputs.TypoConfig, "--checkpoint", inputs.QuantCheckpoint, "--image", inputs.Image], NoWorkDir, null,
            "'LSQConv3'", "nearest: 'LSQConv'");
    }

    [Fact]
    public void Predict_with_onnx_refuses_a_device_it_would_ignore()
    {
        FailsAlone(["predict", "--onnx", inputs.NotOnnx, "--image", inputs.Image, "--device", "cuda:0"], NoWorkDir, null,
            "--device: 'cuda:0' is not used with --onnx");
    }

    // export

    [Fact]
    public void Export_checks_both_files_it_writes_before_exporting()
    {
        using var outputs = new TemporaryFolder("fail-fast-out");
        string onnx = Path.Combine(outputs.Path, "model.onnx");
        string folder = Directory.CreateDirectory(Path.Combine(outputs.Path, "aligned.ckpt")).FullName;

        FailsAlone(["export", inputs.QuantConfig, inputs.QuantCheckpoint, "--out", onnx, "--aligned-checkpoint", folder], NoWorkDir, outputs.Path,
            $"--aligned-checkpoint: '{folder}' is a folder");

        FailsAlone(["export", inputs.QuantConfig, inputs.QuantCheckpoint, "--out", Path.Combine(outputs.Path)], NoWorkDir, outputs.Path,
            $"--out: '{outputs.Path}' is a folder");

        string underFile = Path.Combine(inputs.PlainFile, "model.onnx");
        FailsAlone(["export", inputs.QuantConfig, inputs.QuantCheckpoint, "--out", underFile], NoWorkDir, null,
            "--out: cannot write", $"'{inputs.PlainFile}' is a file");
    }

    [Fact]
    public void Export_never_writes_over_the_checkpoint_it_exports()
    {
        byte[] checkpoint = File.ReadAllBytes(inputs.QuantCheckpoint);

        FailsAlone(["export", inputs.QuantConfig, inputs.QuantCheckpoint, "--out", inputs.QuantCheckpoint], NoWorkDir, null,
            $"--out: '{inputs.QuantCheckpoint}' is the checkpoint being exported");

        Assert.Equal(checkpoint, File.ReadAllBytes(inputs.QuantCheckpoint));
    }

    [Fact]
    public void Export_verify_reads_the_test_split_before_the_onnx_file_is_written()
    {
        using var outputs = new TemporaryFolder("fail-fast-out");
        string onnx = Path.Combine(outputs.Path, "model.onnx");

        FailsAlone(["export", inputs.NoTestSplitConfig, inputs.QuantCheckpoint, "--out", onnx, "--input-shape", "1,1,28,28", "--verify"], NoWorkDir, outputs.Path,
            "--verify runs the config's test split", "data:test", "no-test-split");
    }

    [Fact]
    public void Export_names_a_missing_checkpoint_an_old_opset_and_a_misspelled_layer_type()
    {
        string missing = Missing("lsq.ckp");
        string error = FailsAlone(["export", inputs.QuantConfig, missing], NoWorkDir, null, $"checkpoint: '{missing}' does not exist");
        Assert.DoesNotContain("extension", error, StringComparison.Ordinal);

        FailsAlone(["export", inputs.QuantConfig, inputs.QuantCheckpoint, "--opset", "20"], NoWorkDir, null, "--opset: 20 is too old", "21 or later");
        FailsAlone(["export", inputs.TypoConfig, inputs.QuantCheckpoint], NoWorkDir, null, "'LSQConv3'", "nearest: 'LSQConv'");
    }

    // analyze

    private string[] Analyze(string page, params string[] more) =>
    [
        "analyze", "--image", inputs.Image, "--config-float", inputs.FloatConfig, "--config-int", inputs.QuantConfig,
        "--checkpoint-float", inputs.FloatCheckpoint, "--checkpoint-int", inputs.QuantCheckpoint, "--out", page, .. more,
    ];

    [Fact]
    public void Analyze_checks_the_page_and_its_json_before_analysing()
    {
        using var outputs = new TemporaryFolder("fail-fast-out");
        string pageFolder = Directory.CreateDirectory(Path.Combine(outputs.Path, "folder.html")).FullName;
        FailsAlone(Analyze(pageFolder), NoWorkDir, outputs.Path, $"--out: '{pageFolder}' is a folder");

        // A folder where the JSON goes: the page must not be written alone either.
        string page = Path.Combine(outputs.Path, "report.html");
        string jsonFolder = Directory.CreateDirectory(Path.Combine(outputs.Path, "report.json")).FullName;
        FailsAlone(Analyze(page), NoWorkDir, outputs.Path, $"'{jsonFolder}' is a folder");
        Assert.False(File.Exists(page));
    }

    [Fact]
    public void Analyze_refuses_a_page_named_like_its_json()
    {
        using var outputs = new TemporaryFolder("fail-fast-out");

        FailsAlone(Analyze(Path.Combine(outputs.Path, "report.json")), NoWorkDir, outputs.Path, "--out: ", "ends in .json");
    }

    [Fact]
    public void Analyze_names_the_option_of_a_missing_checkpoint_and_a_bad_sample_count()
    {
        string missing = Missing("lsq2.ckpt");
        FailsAlone(["analyze", "--image", inputs.Image, "--config-float", inputs.FloatConfig, "--config-int", inputs.QuantConfig,
            "--checkpoint-float", inputs.FloatCheckpoint, "--checkpoint-int", missing], NoWorkDir, null,
            $"--checkpoint-int: '{missing}' does not exist", "(nearest: 'lsq.ckpt'");

        FailsAlone(["analyze", "--config-float", inputs.FloatConfig, "--config-int", inputs.QuantConfig, "--checkpoint-float", inputs.FloatCheckpoint,
            "--checkpoint-int", inputs.QuantCheckpoint, "--data", inputs.QuantConfig, "--samples", "0"], NoWorkDir, null, "--samples: must be at least 1");
    }

    [Fact]
    public void Analyze_refuses_a_float_checkpoint_for_the_quantized_model_in_one_line()
    {
        using var outputs = new TemporaryFolder("fail-fast-out");

        FailsAlone(Analyze(Path.Combine(outputs.Path, "report.html")).Select(a => a == inputs.QuantCheckpoint ? inputs.FloatCheckpoint : a).ToArray(),
            NoWorkDir, outputs.Path, "holds no state for the quantizers");
    }

    // plan

    [Fact]
    public void Plan_prints_its_errors_as_one_error_line()
    {
        string missing = Path.Combine(inputs.Folder.Path, "lsq2.json");
        FailsAlone(["plan", "--config", missing], NoWorkDir, null, $"--config: '{missing}' does not exist", "(nearest: 'lsq.json'");

        FailsAlone(["plan", "--config", inputs.TypoConfig], NoWorkDir, null, "'LSQConv3'", "nearest: 'LSQConv'", inputs.TypoConfig);
    }

    // quickstart

    [Fact]
    public void Quickstart_checks_the_data_root_and_the_work_dir_before_its_first_line()
    {
        string workDir = Path.Combine(inputs.Folder.Path, "quickstart");
        string missing = Path.Combine(inputs.Folder.Path, "fashion");
        FailsAlone(["quickstart", "--data-root", missing, "--work-dir", workDir], workDir, null, $"--data-root: the folder '{missing}' does not exist");

        // A folder without the data set: named before the float training's header line.
        string checkpoints = Path.Combine(inputs.Folder.Path, "checkpoints");
        FailsAlone(["quickstart", "--data-root", checkpoints, "--work-dir", workDir], workDir, null, "--data-root: ", "data:train", "Fashion-MNIST");

        FailsAlone(["quickstart", "--work-dir", inputs.PlainFile], workDir, null, $"--work-dir: '{inputs.PlainFile}' is a file, not a folder");
    }

    // the library under the commands

    [Fact]
    public void AtomicFile_write_all_changes_no_file_and_leaves_no_folder_when_one_write_fails()
    {
        using var folder = new TemporaryFolder("atomic-all");
        string kept = folder.Write("report.json", [1, 2]);
        string page = Path.Combine(folder.Path, "new", "report.html");
        string data = Path.Combine(folder.Path, "new", "report.json");

        Assert.Throws<IOException>(() => AtomicFile.WriteAll([(page, s => s.WriteByte(3)), (data, s => s.WriteByte(4)), (kept, _ => throw new IOException("disk full"))]));

        Assert.Equal([kept], Entries(folder.Path));
        Assert.Equal([1, 2], File.ReadAllBytes(kept));

        AtomicFile.WriteAll([(page, s => s.WriteByte(3)), (kept, s => s.WriteByte(5))]);

        Assert.Equal([3], File.ReadAllBytes(page));
        Assert.Equal([5], File.ReadAllBytes(kept));
        Assert.DoesNotContain(Entries(folder.Path), e => e.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public void File_paths_name_the_key_and_check_nothing_they_need_not()
    {
        using var folder = new TemporaryFolder("file-paths");
        string checkpoint = folder.Write("epoch_10.ckpt", [1]);
        folder.Write("notes.txt", [1]);

        var missing = Assert.Throws<FilePathException>(() => FilePaths.RequireExisting(Path.Combine(folder.Path, "epoch_1.ckpt"), "--resume"));
        Assert.Equal($"--resume: '{Path.Combine(folder.Path, "epoch_1.ckpt")}' does not exist (nearest: 'epoch_10.ckpt').", missing.Message);
        Assert.Equal("--resume", missing.Key);
        Assert.Equal(checkpoint, FilePaths.RequireExisting(checkpoint, "--resume"));

        string deep = Path.Combine(folder.Path, "a", "b", "out.json");
        Assert.Equal(deep, FilePaths.RequireWritable(deep, "--out"));
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "a")), "a check creates nothing");
        Assert.Throws<FilePathException>(() => FilePaths.RequireWritable(Path.Combine(checkpoint, "out.json"), "--out"));
        Assert.Throws<FilePathException>(() => FilePaths.RequireFolder(checkpoint, "--work-dir"));
        Assert.Equal(folder.Path, FilePaths.RequireFolder(folder.Path, "--work-dir"));
    }
}
