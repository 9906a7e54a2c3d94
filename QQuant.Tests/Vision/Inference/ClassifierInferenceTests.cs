using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using QQuant.Quantizers;
using QQuant.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Tests.Vision.Inference;

public class ClassifierInferenceTests
{
    private static readonly float[] Mean = [120f, 110f, 100f];
    private static readonly float[] Std = [60f, 50f, 40f];

    private const string Quantization = """
          "quant_transformer": { "type": "QuantTransformer",
                                 "policy": { "Conv2d": { "type": "LSQConv", "w": 4, "a": 4 }, "Linear": { "type": "LSQLinear", "w": 8, "a": 8 } },
                                 "except": [ "backbone.conv1" ] },
        """;

    private static string Config(int classes, bool quantized = true) => $$"""
        {
          "model": { "type": "ImageClassifier",
                     "backbone": { "type": "CifarResNet", "depth": 20 },
                     "neck": { "type": "GlobalAveragePooling" },
                     "head": { "type": "LinearClsHead", "num_classes": {{classes}}, "in_channels": 64 } },
          {{(quantized ? Quantization : "")}}
          "data": { "test": { "type": "ImageNet", "data_prefix": "unused",
                              "pipeline": [ { "type": "LoadImageFromFile" },
                                            { "type": "Normalize", "mean": [120, 110, 100], "std": [60, 50, 40], "to_rgb": true },
                                            { "type": "ImageToTensor", "keys": [ "img" ] },
                                            { "type": "Collect", "keys": [ "img" ] } ] } }
        }
        """;

    private static IConfigurationRoot Json(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

    private static ClassifierFactory Factory() =>
        new ServiceCollection().AddQQuant().AddQuantizers().AddVision().Services.BuildServiceProvider()
            .GetRequiredService<ClassifierFactory>();

    /// <summary>Builds the config's quantized classifier, runs one training step so its quantizers initialise, saves it.</summary>
    private static void TrainAndSave(string config, string checkpoint, IReadOnlyList<string>? classes)
    {
        (ImageClassifier model, QuantizationReport? report) = Factory().Build(Json(config));
        using (model)
        {
            Assert.Equal(1, report!.Count(QuantDecision.Excepted));
            var generator = new Generator().manual_seed(7);
            using var optimizer = optim.SGD(model.parameters(), 0.01);
            model.train();
            using Tensor images = randn([4, 3, 32, 32], generator: generator);
            using Tensor labels = tensor(new long[] { 0, 1, 2, 0 });
            using Tensor loss = model.Loss(model.call(images), labels);
            loss.backward();
            optimizer.step();
            Checkpoint.Save(checkpoint, model, optimizer, new CheckpointMeta { Epoch = 1, Classes = classes });
        }
    }

    private static Image<Rgb24> Picture(byte shift)
    {
        var image = new Image<Rgb24>(32, 32);
        for (int y = 0; y < 32; y++)
        {
            for (int x = 0; x < 32; x++)
            {
                image[x, y] = new Rgb24((byte)(x * 8 + shift), (byte)(y * 8), (byte)((x + y) * 4));
            }
        }

        return image;
    }

    /// <summary>The test pipeline by hand: (pixel − mean) / std per RGB channel, CHW.</summary>
    private static Tensor Preprocessed(Image<Rgb24> image)
    {
        var values = new float[3 * 32 * 32];
        for (int y = 0; y < 32; y++)
        {
            for (int x = 0; x < 32; x++)
            {
                Rgb24 p = image[x, y];
                byte[] rgb = [p.R, p.G, p.B];
                for (int c = 0; c < 3; c++)
                {
                    values[(c * 32 + y) * 32 + x] = (rgb[c] - Mean[c]) / Std[c];
                }
            }
        }

        return tensor(values, [1, 3, 32, 32]);
    }

    [Fact]
    public void A_prediction_is_the_softmax_argmax_of_the_checkpointed_quantized_model_on_the_preprocessed_image()
    {
        using var folder = new TemporaryFolder("inference");
        string checkpoint = Path.Combine(folder.Path, "epoch_1.ckpt");
        string[] classes = ["cat", "dog", "bird"];
        TrainAndSave(Config(3), checkpoint, classes);
        using Image<Rgb24> picture = Picture(0);
        string png = Path.Combine(folder.Path, "picture.png");
        picture.SaveAsPng(png);

        using ClassifierInference inference = Factory().OpenForInference(Json(Config(3)), checkpoint);
        Prediction fromFile = inference.Predict(png);
        Prediction fromImage = inference.Predict(picture);

        using Tensor logits = inference.Model.call(Preprocessed(picture));
        using Tensor probabilities = nn.functional.softmax(logits, 1);
        int expectedLabel = (int)probabilities.argmax(1).item<long>();
        Assert.Equal(expectedLabel, fromFile.PredLabel);
        Assert.Equal(probabilities[0, expectedLabel].item<float>(), fromFile.PredScore, 5);
        Assert.Equal(classes[expectedLabel], fromFile.PredClass);
        Assert.Equal(fromFile, fromImage);
        Assert.False(inference.Model.training);
        Assert.Equal(classes, inference.Classes);
    }

    [Fact]
    public void A_batch_of_images_is_one_forward_of_the_stacked_preprocessed_images()
    {
        using var folder = new TemporaryFolder("inference");
        string checkpoint = Path.Combine(folder.Path, "model.ckpt");
        TrainAndSave(Config(3), checkpoint, ["a", "b", "c"]);
        using ClassifierInference inference = Factory().OpenForInference(Json(Config(3)), checkpoint);
        using Image<Rgb24> first = Picture(0);
        using Image<Rgb24> second = Picture(100);

        IReadOnlyList<Prediction> both = inference.Predict([first, second]);

        // One batch, not two calls: 4-bit rounding can flip on the last float bit when the batch size changes.
        using Tensor probabilities = nn.functional.softmax(inference.Model.call(cat([Preprocessed(first), Preprocessed(second)])), 1);
        Assert.Equal(2, both.Count);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal((int)probabilities[i].argmax().item<long>(), both[i].PredLabel);
            Assert.Equal(probabilities[i].max().item<float>(), both[i].PredScore, 5);
        }
    }

    [Fact]
    public void Without_saved_classes_a_1000_class_head_falls_back_to_imagenet_names_with_a_warning()
    {
        using var folder = new TemporaryFolder("inference");
        string checkpoint = Path.Combine(folder.Path, "model.ckpt");
        TrainAndSave(Config(1000), checkpoint, classes: null);
        var logger = new ListLogger();

        using ClassifierInference inference = Factory().OpenForInference(Json(Config(1000)), checkpoint, new InferenceOptions { Logger = logger });
        using Image<Rgb24> picture = Picture(0);
        Prediction prediction = inference.Predict(picture);

        Assert.Same(ImageNetClasses.Names, inference.Classes);
        Assert.Equal(ImageNetClasses.Names[prediction.PredLabel], prediction.PredClass);
        Assert.Contains(logger.Messages, m => m.Level == LogLevel.Warning && m.Text.Contains("ImageNet's 1000 names", StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_or_mismatched_class_names_and_missing_pipelines_are_errors_that_say_what_to_do()
    {
        using var folder = new TemporaryFolder("inference");
        string checkpoint = Path.Combine(folder.Path, "model.ckpt");
        TrainAndSave(Config(3), checkpoint, classes: null);

        var noNames = Assert.Throws<QQuantException>(() => Factory().OpenForInference(Json(Config(3)), checkpoint));
        var wrongCount = Assert.Throws<QQuantException>(() =>
            Factory().OpenForInference(Json(Config(3)), checkpoint, new InferenceOptions { Classes = ["only", "two"] }));
        var noPipeline = Assert.Throws<ComponentConfigurationException>(() =>
            Factory().OpenForInference(Json(Config(3).Replace("\"test\"", "\"val\"", StringComparison.Ordinal)), checkpoint));

        Assert.Contains("has no CLASSES and the head has 3 classes", noNames.Message);
        Assert.Contains("InferenceOptions.Classes", noNames.Message);
        Assert.Contains("2 class names for a head of 3 classes", wrongCount.Message);
        Assert.Contains("data:test:pipeline", noPipeline.Message);
    }

    [Fact]
    public void A_float_checkpoint_does_not_load_strictly_into_the_quantized_model()
    {
        using var folder = new TemporaryFolder("inference");
        string weights = Path.Combine(folder.Path, "float.safetensors");
        (ImageClassifier model, QuantizationReport? report) = Factory().Build(Json(Config(3, quantized: false)));
        Assert.Null(report);
        using (model)
        {
            StateDictFile.Save(weights, model);
        }

        var e = Assert.Throws<QQuantException>(() =>
            Factory().OpenForInference(Json(Config(3)), weights, new InferenceOptions { Classes = ["a", "b", "c"] }));

        Assert.Contains("it is a float checkpoint", e.Message);
        Assert.Contains("_quantizer.", e.Message);
        using ClassifierInference floatModel = Factory().OpenForInference(Json(Config(3, quantized: false)), weights, new InferenceOptions { Classes = ["a", "b", "c"] });
        Assert.InRange(floatModel.Predict(Picture(1)).PredScore, 1.0 / 3, 1.0);
    }

    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Text)> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add((logLevel, formatter(state, exception)));
    }
}
