using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Quantizers;
using QQuant.Samples;
using QQuant.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Tests.Cli;

public class SampleConfigTests
{
    private static string Config(string name) => Path.Combine(AppContext.BaseDirectory, "configs", name);

    private const string FashionLsq = "LSQ/cres20/config1_cres20_lsq_m1_128_4w4f.json";

    /// <summary>
    /// The Fashion-MNIST LSQ config with a test pipeline that reads image files: the dataset's own test pipeline
    /// starts from in-memory images, <c>predict</c> starts from paths.
    /// </summary>
    private static string FashionConfigForFiles(TemporaryFolder folder)
    {
        string path = Path.Combine(folder.Path, "predict.json");
        File.WriteAllText(path, $$"""
            {
              "_base_": [ {{JsonSerializer.Serialize(Config(FashionLsq))}} ],
              "data": {
                "test": {
                  "pipeline": [
                    { "type": "LoadImageFromFile", "colorType": "grayscale" },
                    { "type": "Normalize", "mean": [ 72.94 ], "std": [ 90.02 ], "toRgb": false },
                    { "type": "ImageToTensor", "keys": [ "img" ] },
                    { "type": "Collect", "keys": [ "img" ] }
                  ]
                }
              }
            }
            """);
        return path;
    }

    private static ServiceProvider Services() =>
        new ServiceCollection().AddQQuant().AddQuantizers().AddVision().Services.BuildServiceProvider();

    [Theory]
    [InlineData(FashionLsq, 1, 28)]
    [InlineData("LSQ/res50/config1_res50_lsq_m1_16_4w4f.json", 3, 64)]
    public void Sample_configs_build_a_quantized_classifier_and_every_pipeline(string name, int channels, int size)
    {
        using ServiceProvider services = Services();
        IConfigurationRoot config = ConfigFile.Load(Config(name));

        (ImageClassifier model, QuantizationReport? report) = services.GetRequiredService<ClassifierFactory>().Build(config);
        using (model)
        {
            Assert.Equal(QuantDecision.Quantized, report!.Layers.Single(l => l.Name == "backbone.conv1").Decision);
            Assert.Equal("EightBitLinear", report.Layers.Single(l => l.Name == "head.fc").NewType);
            Assert.DoesNotContain(report.Layers, l => l.OriginalType is "Conv2d" or "Linear" && l.Decision != QuantDecision.Quantized);
            model.train();
            using Tensor logits = model.call(rand(2, channels, size, size));
            Assert.Equal(model.Head.NumClasses, logits.shape[1]);
        }

        ComponentRegistry components = services.GetRequiredService<ComponentRegistry>();
        foreach (IConfigurationSection split in config.GetSection("data").GetChildren().Where(c => c.GetChildren().Any()))
        {
            Assert.NotEmpty(components.BuildPipeline(split.GetSection("pipeline")).Transforms);
        }
    }

    [Fact]
    public void Predict_prints_the_reference_result_dict_for_an_image()
    {
        using var folder = new TemporaryFolder("predict");
        string checkpoint = Path.Combine(folder.Path, "epoch_1.ckpt");
        string config = FashionConfigForFiles(folder);
        using (ServiceProvider services = Services())
        {
            (ImageClassifier model, _) = services.GetRequiredService<ClassifierFactory>().Build(ConfigFile.Load(config));
            using (model)
            {
                model.train();
                using Tensor loss = model.Loss(model.call(rand(4, 1, 28, 28)), tensor(new long[] { 0, 1, 2, 3 }));
                Checkpoint.Save(checkpoint, model, null, new CheckpointMeta { Epoch = 1, Classes = FashionMNIST.StandardClasses });
            }
        }

        string image = Path.Combine(folder.Path, "shirt.png");
        using (var grey = new Image<L8>(28, 28, new L8(90)))
        {
            grey.SaveAsPng(image);
        }

        var output = new StringWriter();
        var error = new StringWriter();
        int code = QQuantCli.Run(["predict", "--config", config, "--checkpoint", checkpoint, "--image", image, image], output, error);

        Assert.True(code == 0, error.ToString());
        string[] lines = output.ToString().Trim().Split('\n');
        Assert.Equal(2, lines.Length);
        using JsonDocument result = JsonDocument.Parse(lines[0]);
        int label = result.RootElement.GetProperty("pred_label").GetInt32();
        Assert.Equal(FashionMNIST.StandardClasses[label], result.RootElement.GetProperty("pred_class").GetString());
        Assert.InRange(result.RootElement.GetProperty("pred_score").GetDouble(), 0.1, 1.0);
        Assert.Equal(lines[0], lines[1]);
    }

    [Fact]
    public void Predict_reports_a_missing_checkpoint_by_name()
    {
        var error = new StringWriter();

        int code = QQuantCli.Run(["predict", "--config", Config(FashionLsq),
                                  "--checkpoint", "/no/such.ckpt", "--image", "x.png"], new StringWriter(), error);

        Assert.Equal(1, code);
        Assert.Contains("/no/such.ckpt", error.ToString());
    }
}
