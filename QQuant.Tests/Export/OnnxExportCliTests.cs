using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using QQuant.Export.Onnx;
using QQuant.Samples;
using QQuant.Tests.Training;
using QQuant.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace QQuant.Tests.Export;

/// <summary>A tiny float and LSQ 4w4f CifarResNet-8 trained once from the command line on the shipped subset.</summary>
public sealed class TrainedCheckpoints : IDisposable
{

    public TrainedCheckpoints()
    {
        Folder = new TemporaryFolder("onnx-cli");
        FloatConfig = WriteConfig("tiny_float.json", null);
        (int code, _, string error) = OnnxExportCliTests.Run("train", FloatConfig, "--work-dir", Path.Combine(Folder.Path, "float"), "--options", "seed=3");
        Assert.True(code == 0, error);
        FloatCheckpoint = CheckpointFiles.Latest(Path.Combine(Folder.Path, "float"));

        const string policy = """{ "type": "QuantTransformer", "policy": { "Conv2d": { "type": "LSQConv", "w": 4, "a": 4 } } }""";
        QatConfig = WriteConfig("tiny_lsq.json", policy);
        (code, _, error) = OnnxExportCliTests.Run("train", QatConfig, "--work-dir", Path.Combine(Folder.Path, "lsq"), "--load-from", FloatCheckpoint, "--options", "optimizer.lr=0.01");
        Assert.True(code == 0, error);
        QatCheckpoint = CheckpointFiles.Latest(Path.Combine(Folder.Path, "lsq"));

        var random = new Random(5);
        Images = [.. Enumerable.Range(0, 2).Select(i =>
        {
            string path = Path.Combine(Folder.Path, $"test{i}.png");
            using var image = new Image<L8>(28, 28);
            for (int y = 0; y < 28; y++)
            {
                for (int x = 0; x < 28; x++)
                {
                    // A bright blob on noise, different per image.
                    int d = ((x - 10 - 6 * i) * (x - 10 - 6 * i)) + ((y - 14) * (y - 14));
                    image[x, y] = new L8((byte)Math.Clamp((d < 40 ? 220 : 20) + random.Next(-20, 20), 0, 255));
                }
            }

            image.SaveAsPng(path);
            return path;
        })];
    }

    internal TemporaryFolder Folder { get; }

    public string FloatConfig { get; }

    public string FloatCheckpoint { get; }

    public string QatConfig { get; }

    public string QatCheckpoint { get; }

    public string[] Images { get; }

    private string WriteConfig(string name, string? quantTransformer) =>
        QQuant.Tests.Cli.TrainTestInferCommandTests.WriteConfig(Folder, name, quantTransformer);

    public void Dispose() => Folder.Dispose();
}

/// <summary><c>qquant export</c> and <c>qquant predict --onnx</c> on checkpoints trained from the command line, and their errors.</summary>
[Collection(GlobalTorchRandom.Name)]
public class OnnxExportCliTests(TrainedCheckpoints trained) : IClassFixture<TrainedCheckpoints>
{
    internal static (int Code, string Output, string Error) Run(params string[] args) => QQuant.Tests.Cli.TrainTestInferCommandTests.Run(args);

    private static void AssertOneErrorLine(int code, string error, params string[] naming)
    {
        Assert.Equal(1, code);
        string[] lines = error.Trim().Split('\n');
        Assert.True(lines.Length == 1, error);
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.All(naming, n => Assert.Contains(n, lines[0], StringComparison.Ordinal));
    }

    private static List<(int Label, double Score, string Class)> Predictions(string output) =>
        [.. output.Trim().Split('\n').Select(line =>
        {
            using JsonDocument json = JsonDocument.Parse(line);
            JsonElement root = json.RootElement;
            return (root.GetProperty("pred_label").GetInt32(), root.GetProperty("pred_score").GetDouble(), root.GetProperty("pred_class").GetString()!);
        })];

    private string Onnx(string name) => Path.Combine(trained.Folder.Path, name);

    [Fact]
    public void Export_writes_next_to_the_checkpoint_and_prints_the_report()
    {
        string expected = Path.ChangeExtension(trained.QatCheckpoint, ".onnx");
        File.Delete(expected);

        (int code, string output, string error) = Run("export", trained.QatConfig, trained.QatCheckpoint);

        Assert.True(code == 0, error);
        Assert.Equal("", error);
        Assert.True(File.Exists(expected));
        Assert.Contains("backbone.conv1", output, StringComparison.Ordinal);
        Assert.Contains("backbone.layer1.0.conv1", output, StringComparison.Ordinal);
        Assert.Contains("quantized layers", output, StringComparison.Ordinal);
        Assert.Contains(expected, output, StringComparison.Ordinal);
        using var session = new InferenceSession(expected);
        Assert.Equal([-1, 1, 28, 28], session.InputMetadata.Values.Single().Dimensions);
        OnnxModel model = OnnxModelReader.Load(expected);
        Assert.Contains(model.MetadataProps, p => p.Key == QQuant.Vision.OnnxClassifier.ClassesKey && p.Value.Contains("T-shirt/top", StringComparison.Ordinal));
        Assert.Contains(model.Graph.Nodes, n => n.OpType == "QuantizeLinear");
    }

    [Fact]
    public void Qdq_is_smaller_than_qcdq_and_holds_int4_weights()
    {
        string qcdq = Onnx("qcdq.onnx");
        string qdq = Onnx("qdq.onnx");

        (int code, _, string error) = Run("export", trained.QatConfig, trained.QatCheckpoint, "--out", qcdq);
        Assert.True(code == 0, error);
        (code, string output, error) = Run("export", trained.QatConfig, trained.QatCheckpoint, "--out", qdq, "--format", "qdq");
        Assert.True(code == 0, error);

        Assert.Contains("QDQ", output, StringComparison.Ordinal);
        Assert.True(new FileInfo(qdq).Length < new FileInfo(qcdq).Length, $"qdq {new FileInfo(qdq).Length} B, qcdq {new FileInfo(qcdq).Length} B");
        OnnxModel small = OnnxModelReader.Load(qdq);
        OnnxModel large = OnnxModelReader.Load(qcdq);
        Assert.Contains(small.Graph.Initializers, t => t.DataType == OnnxDataType.Int4 && t.Dims.Count == 4);
        Assert.DoesNotContain(large.Graph.Initializers, t => t.DataType is OnnxDataType.Int4 or OnnxDataType.UInt4);
        using var session = new InferenceSession(qdq);
        Assert.Single(session.OutputMetadata);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Predict_onnx_agrees_with_predict_from_the_checkpoint(bool quantized)
    {
        string config = quantized ? trained.QatConfig : trained.FloatConfig;
        string checkpoint = quantized ? trained.QatCheckpoint : trained.FloatCheckpoint;
        string onnx = Onnx(quantized ? "predict_lsq.onnx" : "predict_float.onnx");
        (int code, _, string error) = Run("export", config, checkpoint, "--out", onnx);
        Assert.True(code == 0, error);

        (code, string viaOnnx, error) = Run(["predict", "--onnx", onnx, "--image", .. trained.Images]);
        Assert.True(code == 0, error);
        (code, string viaTorch, error) = Run(["predict", "--config", config, "--checkpoint", checkpoint, "--image", .. trained.Images]);
        Assert.True(code == 0, error);

        var expected = Predictions(viaTorch);
        var actual = Predictions(viaOnnx);
        Assert.Equal(2, expected.Count);
        Assert.Equal(expected.Select(p => (p.Label, p.Class)), actual.Select(p => (p.Label, p.Class)));
        Assert.All(expected.Zip(actual), p => Assert.Equal(p.First.Score, p.Second.Score, 1e-2));
    }

    [Fact]
    public void Verify_compares_as_trained_and_aligned_and_the_aligned_checkpoint_differs_only_in_the_folded_biases()
    {
        string onnx = Onnx("verified.onnx");
        string aligned = Path.Combine(trained.Folder.Path, "aligned.ckpt");

        (int code, string output, string error) = Run("export", trained.QatConfig, trained.QatCheckpoint, "--out", onnx, "--verify", "--aligned-checkpoint", aligned);

        Assert.True(code == 0, error);
        string[] lines = output.Split('\n');
        Assert.Single(lines, l => l.StartsWith("verify (as trained): ", StringComparison.Ordinal));
        string after = Assert.Single(lines, l => l.StartsWith("verify (biases aligned): ", StringComparison.Ordinal));
        Assert.Contains("top-1 agrees on 100.00 %", after, StringComparison.Ordinal);
        using Checkpoint original = Checkpoint.Load(trained.QatCheckpoint);
        using Checkpoint moved = Checkpoint.Load(aligned);
        Assert.Equal(original.ModelState.Keys.Order(), moved.ModelState.Keys.Order());
        string[] changed = [.. original.ModelState.Keys.Where(k => !original.ModelState[k].eq(moved.ModelState[k]).all().item<bool>())];
        Assert.NotEmpty(changed);
        Assert.All(changed, k => Assert.Matches(@"^backbone\.layer\d\.\d\.bn1\.bias$", k));
        Assert.All(changed, k => Assert.True((original.ModelState[k] - moved.ModelState[k]).abs().max().item<float>() < 0.05, k));
    }

    [Fact]
    public void Export_errors_are_one_line_and_leave_no_file()
    {
        string missing = Path.Combine(trained.Folder.Path, "missing.ckpt");
        string target = Onnx("never.onnx");

        (int code, _, string error) = Run("export", trained.QatConfig, missing, "--out", target);
        AssertOneErrorLine(code, error, "missing.ckpt");
        Assert.False(File.Exists(target));
        Assert.False(File.Exists(Path.ChangeExtension(missing, ".onnx")));

        // A format it does not know is refused when the command line is parsed, with the usage.
        (code, _, error) = Run("export", trained.QatConfig, trained.QatCheckpoint, "--out", target, "--format", "int3");
        Assert.Equal(1, code);
        Assert.Contains("--format: unknown value 'int3'; choose from qcdq, qdq", error, StringComparison.Ordinal);
        Assert.False(File.Exists(target));

        (code, _, error) = Run("export", trained.QatConfig, trained.QatCheckpoint, "--out", target, "--input-shape", "1,1,28");
        AssertOneErrorLine(code, error, "--input-shape", "1,1,28");
        Assert.False(File.Exists(target));

        // A missing folder is created (AtomicFile does so for every file the library writes); a file in the way is an error.
        string noFolder = Path.Combine(trained.Folder.Path, "no-such-folder", "m.onnx");
        (code, _, error) = Run("export", trained.QatConfig, trained.QatCheckpoint, "--out", noFolder);
        Assert.True(code == 0, error);
        Assert.True(File.Exists(noFolder));

        string plain = trained.Folder.Write("plain.txt", [7]);
        string underFile = Path.Combine(plain, "m.onnx");
        (code, _, error) = Run("export", trained.QatConfig, trained.QatCheckpoint, "--out", underFile);
        AssertOneErrorLine(code, error, underFile);
        Assert.Equal([7], File.ReadAllBytes(plain));
        Assert.DoesNotContain(Directory.GetFiles(trained.Folder.Path), f => f.Contains(".tmp", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Predict_onnx_errors_are_one_line_naming_the_file()
    {
        var random = new Random(3);
        byte[] noise = new byte[4096];
        random.NextBytes(noise);
        string garbage = trained.Folder.Write("garbage.onnx", noise);

        (int code, _, string error) = Run("predict", "--onnx", garbage, "--image", trained.Images[0]);
        AssertOneErrorLine(code, error, "garbage.onnx");

        string missing = Path.Combine(trained.Folder.Path, "absent.onnx");
        (code, _, error) = Run("predict", "--onnx", missing, "--image", trained.Images[0]);
        AssertOneErrorLine(code, error, "absent.onnx");

        string onnx = Onnx("with_config.onnx");
        (code, _, error) = Run("export", trained.FloatConfig, trained.FloatCheckpoint, "--out", onnx);
        Assert.True(code == 0, error);
        (code, string output, error) = Run("predict", "--onnx", onnx, "--config", trained.FloatConfig, "--image", trained.Images[0]);
        AssertOneErrorLine(code, error, "--config");
        Assert.Equal("", output);
    }
}
