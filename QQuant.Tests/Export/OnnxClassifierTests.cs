using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Export;
using QQuant.Export.Onnx;
using QQuant.Quantizers;
using QQuant.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static QQuant.Tests.Vision.Backbones.BackboneTestSupport;
using static TorchSharp.torch;

namespace QQuant.Tests.Export;

/// <summary>OnnxClassifier: the library's logits, concurrent requests, and ClassifierFactory.OpenOnnx's metadata.</summary>
public class OnnxClassifierTests
{
    private static readonly string[] ClassNames = ["zero", "one", "two", "three", "four"];

    private static readonly string Pipeline = """
        [ { "type": "Normalize", "mean": [ 72.94 ], "std": [ 90.02 ], "toRgb": false },
          { "type": "ImageToTensor", "keys": [ "img" ] }, { "type": "Collect", "keys": [ "img" ] } ]
        """;

    private static ImageClassifier FloatClassifier()
    {
        Backbone backbone = FromJson("""{ "type": "CifarResNet", "depth": 8, "inChannels": 1, "baseChannels": 8 }""");
        var classifier = new ImageClassifier(backbone, new GlobalAveragePooling(),
            new LinearClsHead(new LinearClsHeadOptions { NumClasses = ClassNames.Length, InChannels = backbone.OutChannels }));
        classifier.eval();
        return classifier;
    }

    private static Dictionary<string, string> Metadata() => new()
    {
        [OnnxClassifier.ClassesKey] = JsonSerializer.Serialize(ClassNames),
        [OnnxClassifier.InChannelsKey] = "1",
        [OnnxClassifier.PipelineKey] = JsonNode.Parse(Pipeline)!.ToJsonString(),
    };

    private static string Export(ImageClassifier classifier, string folder, IReadOnlyDictionary<string, string> metadata)
    {
        string path = Path.Combine(folder, "model.onnx");
        classifier.ExportOnnx(path, new OnnxExportOptions { InputShape = [1, 1, 28, 28], Metadata = metadata });
        return path;
    }

    private static string[] WriteImages(string folder, int count)
    {
        var random = new Random(17);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            string path = Path.Combine(folder, $"image{i}.png");
            using var image = new Image<L8>(28, 28);
            for (int y = 0; y < 28; y++)
            {
                for (int x = 0; x < 28; x++)
                {
                    image[x, y] = new L8((byte)random.Next(256));
                }
            }

            image.SaveAsPng(path);
            return path;
        })];
    }

    private static ClassifierFactory Factory() =>
        new ServiceCollection().AddQQuant().AddQuantizers().AddVision().Services.BuildServiceProvider()
            .GetRequiredService<ClassifierFactory>();

    [Fact]
    public void Logits_equal_the_library_logits_of_a_float_model()
    {
        using var scope = NewDisposeScope();
        ImageClassifier classifier = FloatClassifier();
        (OnnxModel model, _) = classifier.ToOnnx(new OnnxExportOptions { InputShape = [1, 1, 28, 28] });
        using var onnx = new OnnxClassifier(OnnxModelWriter.ToBytes(model));
        Tensor images = Images(6, 1, 28, seed: 4);

        float[] expected = classifier.call(images).data<float>().ToArray();
        Tensor actual = onnx.Logits(images);

        Assert.Equal([6L, ClassNames.Length], actual.shape);
        float[] values = actual.data<float>().ToArray();
        Assert.True(expected.Max(Math.Abs) > 1e-3, "the logits are not all zero");
        Assert.All(expected.Zip(values), p => Assert.Equal(p.First, p.Second, 1e-4));
    }

    [Fact]
    public void Concurrent_Logits_and_Predict_give_the_sequential_results()
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("onnx-concurrent");
        string path = Export(FloatClassifier(), folder.Path, Metadata());
        string[] images = WriteImages(folder.Path, 8);
        using OnnxClassifier classifier = Factory().OpenOnnx(path);
        Tensor[] batches = [.. Enumerable.Range(0, 8).Select(i => Images(1 + i % 3, 1, 28, seed: 100 + i))];
        float[][] sequentialLogits = [.. batches.Select(b => classifier.Logits(b).data<float>().ToArray())];
        IReadOnlyList<Prediction>[] sequentialPredictions = [.. Enumerable.Range(0, 8).Select(i => classifier.Predict(images.Skip(i).Take(1 + i % 3).ToList()))];

        float[][] concurrentLogits = new float[8][];
        IReadOnlyList<Prediction>[] concurrentPredictions = new IReadOnlyList<Prediction>[8];
        using var start = new Barrier(8);
        Thread[] threads = [.. Enumerable.Range(0, 8).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            for (int round = 0; round < 5; round++)
            {
                using var inner = NewDisposeScope();
                concurrentLogits[i] = classifier.Logits(batches[i]).data<float>().ToArray();
                concurrentPredictions[i] = classifier.Predict(images.Skip(i).Take(1 + i % 3).ToList());
            }
        }))];
        Array.ForEach(threads, t => t.Start());
        Array.ForEach(threads, t => t.Join());

        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(sequentialLogits[i], concurrentLogits[i]);
            Assert.Equal(sequentialPredictions[i].Select(p => (p.PredLabel, p.PredClass, p.PredScore)),
                concurrentPredictions[i].Select(p => (p.PredLabel, p.PredClass, p.PredScore)));
        }

        Assert.All(sequentialPredictions.SelectMany(p => p), p => Assert.Equal(ClassNames[p.PredLabel], p.PredClass));
    }

    [Theory]
    [InlineData(OnnxClassifier.ClassesKey)]
    [InlineData(OnnxClassifier.InChannelsKey)]
    [InlineData(OnnxClassifier.PipelineKey)]
    public void OpenOnnx_without_metadata_names_the_missing_key(string missing)
    {
        using var scope = NewDisposeScope();
        using var folder = new TemporaryFolder("onnx-metadata");
        Dictionary<string, string> metadata = Metadata();
        metadata.Remove(missing);
        string path = Export(FloatClassifier(), folder.Path, metadata);

        var error = Assert.Throws<QQuantException>(() => Factory().OpenOnnx(path));

        Assert.Contains($"'{missing}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.All(Metadata().Keys.Where(k => k != missing), k => Assert.DoesNotContain(k, error.Message, StringComparison.Ordinal));
    }
}
