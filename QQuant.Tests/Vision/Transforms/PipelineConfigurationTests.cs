using QQuant.Vision;
using SixLabors.ImageSharp;
using static QQuant.Tests.Vision.Transforms.TransformTestSupport;

namespace QQuant.Tests.Vision.Transforms;

public sealed class PipelineConfigurationTests : IDisposable
{
    // The reference's ImageNet test pipeline, keys in camelCase.
    private const string ImageNetTest = """
        {
          "pipeline": [
            { "type": "LoadImageFromFile" },
            { "type": "Resize", "size": [256, -1] },
            { "type": "CenterCrop", "cropSize": 224 },
            { "type": "Normalize", "mean": [123.675, 116.28, 103.53], "std": [58.395, 57.12, 57.375], "toRgb": true },
            { "type": "ImageToTensor", "keys": ["img"] },
            { "type": "Collect", "keys": ["img"] }
          ]
        }
        """;

    private readonly TemporaryFolder _folder = new("qquant-pipeline-");

    public void Dispose() => _folder.Dispose();

    private string WritePng(string name, Image image)
    {
        string path = Path.Combine(_folder.Path, name);
        using (image)
        {
            image.SaveAsPng(path);
        }

        return path;
    }

    [Fact]
    public void The_imagenet_test_pipeline_builds_from_json_and_gives_a_normalized_224_chw_image()
    {
        string path = WritePng("flat.png", Rgb(300, 400, (_, _, c) => 200 - 70 * c));
        Compose pipeline = Registry().BuildPipeline(Json(ImageNetTest).GetSection("pipeline"));

        Assert.Equal(
            ["LoadImageFromFile", "Resize", "CenterCrop", "Normalize", "ImageToTensor", "Collect"],
            pipeline.Transforms.Select(t => t.GetType().Name));
        using Sample sample = pipeline.Apply(new Sample { FileName = path, Label = 3 }, new Random(0));

        PixelBuffer pixels = sample.Pixels!;
        Assert.Null(sample.Image);
        Assert.Equal((3, 224, 224, PixelLayout.Chw), (pixels.Channels, pixels.Height, pixels.Width, pixels.Layout));
        // A flat image stays flat through resampling: (200 − 123.675) / 58.395, (130 − 116.28) / 57.12, (60 − 103.53) / 57.375.
        Assert.Equal(1.3070467, At(pixels, 100, 7, 0), 4);
        Assert.Equal(0.2401961, At(pixels, 0, 223, 1), 4);
        Assert.Equal(-0.7586928, At(pixels, 223, 0, 2), 4);
        Assert.Equal(-1, sample.Label); // Collect kept only img
        Assert.Equal([300, 400, 3], (int[])sample.Meta[MetaKeys.OriginalShape]);
        Assert.Equal([224, 224, 3], (int[])sample.Meta[MetaKeys.ImageShape]);
        Assert.True(sample.Meta.Keys.All(MetaKeys.CollectDefaults.Contains));
    }

    [Fact]
    public void The_fluent_builder_gives_the_same_pixels_as_the_json_pipeline()
    {
        string path = WritePng("code.png", Rgb(300, 260, (y, x, c) => (y * 3 + x * 5 + c * 40) % 256));
        Compose json = Registry().BuildPipeline(Json(ImageNetTest).GetSection("pipeline"));
        Compose fluent = PipelineBuilder.Create()
            .LoadImageFromFile()
            .ResizeShortSide(256)
            .CenterCrop(224)
            .Normalize([123.675, 116.28, 103.53], [58.395, 57.12, 57.375])
            .ImageToTensor()
            .Collect("img")
            .Build();

        using Sample a = json.Apply(new Sample { FileName = path }, new Random(0));
        using Sample b = fluent.Apply(new Sample { FileName = path }, new Random(0));
        Assert.Equal(a.Pixels!.Data, b.Pixels!.Data);
    }

    [Fact]
    public void A_cifar_training_pipeline_in_the_reference_spelling_is_deterministic_per_seed()
    {
        const string cifar = """
            {
              "pipeline": [
                { "type": "RandomCrop", "size": 32, "padding": 4 },
                { "type": "RandomFlip", "flip_prob": 0.5, "direction": "horizontal" },
                { "type": "Normalize", "mean": [125.307, 122.961, 113.8575], "std": [51.5865, 50.847, 51.255], "to_rgb": false },
                { "type": "ImageToTensor", "keys": ["img"] },
                { "type": "ToTensor", "keys": ["gt_label"] },
                { "type": "Collect", "keys": ["img", "gt_label"] }
              ]
            }
            """;
        Compose pipeline = Registry().BuildPipeline(Json(cifar).GetSection("pipeline"));
        float[] Run(int seed)
        {
            using Sample sample = pipeline.Apply(RgbSample(32, 32, (y, x, c) => (y * 8 + x + c * 50) % 256), new Random(seed));
            Assert.Equal(1, sample.Label);
            Assert.Equal(3 * 32 * 32, sample.Pixels!.Data.Length);
            return sample.Pixels.Data;
        }

        Assert.Equal(Run(1), Run(1));
        Assert.NotEqual(Run(1), Run(2));
    }

    [Fact]
    public void Bad_options_are_reported_with_their_key_paths()
    {
        const string bad = """
            {
              "pipeline": [
                { "type": "LoadImageFromFile", "colorType": "sepia" },
                { "type": "RandomFlip", "flipProb": 2 },
                { "type": "RandomResizedCrop", "size": 224, "scale": [0.9, 0.1] },
                { "type": "CenterCrop", "cropSize": 224, "cropPaddin": 32 },
                { "type": "RandomFlipp" }
              ]
            }
            """;
        var e = Assert.Throws<ComponentConfigurationException>(() => Registry().BuildPipeline(Json(bad).GetSection("pipeline")));
        string all = string.Join("\n", e.Problems);

        Assert.Equal(5, e.Problems.Count);
        Assert.Contains("pipeline:0:colorType", all);
        Assert.Contains("sepia", all);
        Assert.Contains("pipeline:1 (RandomFlip): flipProb must be between 0 and 1, got 2", all);
        Assert.Contains("pipeline:2 (RandomResizedCrop): scale", all);
        Assert.Contains("'cropPaddin'", all);
        Assert.Contains("cropPadding", all);
        Assert.Contains("RandomFlipp", all);
        Assert.Contains("RandomFlip", all.Split('\n')[4]);
    }

    [Fact]
    public void File_client_args_other_than_disk_are_refused()
    {
        ITransform disk = Build("""{ "type": "LoadImageFromFile", "file_client_args": { "backend": "disk" } }""");
        Assert.IsType<LoadImageFromFile>(disk);

        var e = Assert.Throws<ComponentConfigurationException>(() =>
            Build("""{ "type": "LoadImageFromFile", "fileClientArgs": { "backend": "petrel" } }"""));
        Assert.Contains("fileClientArgs", e.Message);
        Assert.Contains("petrel", e.Message);
    }

    [Fact]
    public void Every_transform_is_registered_under_its_reference_name()
    {
        Assert.Equal(
            ["CenterCrop", "Collect", "ColorJitter", "ImageToTensor", "LoadImageFromFile", "Normalize", "RandomCrop",
             "RandomFlip", "RandomResizedCrop", "Resize", "ToTensor"],
            Registry().TypesOf<ITransform>().Order(StringComparer.Ordinal));
    }
}
