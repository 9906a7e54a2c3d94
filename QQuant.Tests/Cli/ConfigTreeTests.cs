using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using QQuant.Quantizers;
using QQuant.Vision;
using TorchSharp.Modules;

namespace QQuant.Tests.Cli;

/// <summary>
/// The shipped config tree (<c>QQuant.Samples/configs/&lt;METHOD&gt;/&lt;backbone&gt;/config&lt;N&gt;_..._&lt;W&gt;w&lt;A&gt;f.json</c>):
/// every experiment file resolves through its <c>_base_</c> files, builds its model, binds its policy, and says in its
/// name what it does.
/// </summary>
public partial class ConfigTreeTests
{
    private static string Root => Path.Combine(AppContext.BaseDirectory, "configs");

    [GeneratedRegex(@"^config(?<n>[1-9][0-9]*)_(?<backbone>res50|mbv2|cres20)_(?<method>float|lsq|lsqplus|dsq|dorefa|pact|apot|uq)_m(?<machines>[1-9][0-9]*)_(?<spg>[1-9][0-9]*)_(?<w>[0-9]+)w(?<a>[0-9]+)f\.json$")]
    private static partial Regex FileName();

    [GeneratedRegex(@"^work_dirs/(?<stem>[^/]+)/latest\.ckpt$")]
    private static partial Regex FloatRun();

    /// <summary>The quantized conv layer each method token names.</summary>
    private static readonly Dictionary<string, string> LayerOf = new()
    {
        ["lsq"] = "LSQConv", ["lsqplus"] = "LSQPlusConv", ["dsq"] = "DSQConv", ["dorefa"] = "DoReFaConv",
        ["pact"] = "PACTConv", ["apot"] = "APoTConv", ["uq"] = "UniformConv",
    };

    /// <summary>What each backbone token means: dataset, first conv's module name, the float weights QAT starts from.</summary>
    private static readonly Dictionary<string, (string Backbone, string Dataset, string FirstConv, string FloatCheckpoint, string QatSchedule, string FloatSchedule)> BackboneOf = new()
    {
        ["res50"] = ("ResNet", "ImageNet", "backbone.conv1", "checkpoints/resnet50_float.pth", "imagenet_qat_cos100e.json", "imagenet_float_step100e.json"),
        ["mbv2"] = ("MobileNetV2", "ImageNet", "backbone.conv1.conv", "checkpoints/mobilenet_v2_float.pth", "imagenet_qat_cos100e.json", "imagenet_float_step100e.json"),
        ["cres20"] = ("CifarResNet", "FashionMNIST", "backbone.conv1", "work_dirs/config1_cres20_float_m1_128_32w32f/latest.ckpt", "fashion_qat_cos1e.json", "fashion_float_cos15e.json"),
    };

    /// <summary>The files the documentation and the tutorial name; each must exist.</summary>
    public static TheoryData<string> RequiredFiles() => new(Required());

    private static IEnumerable<string> Required()
    {
        string[] files = [
            "FLOAT/res50/config1_res50_float_m1_16_32w32f.json",
            "DSQ/res50/config2_res50_dsq_m1_16_2w2f.json",
            "DSQ/res50/config1_res50_dsq_m1_16_4w4f.json",
            "LSQ/res50/config1_res50_lsq_m1_16_4w4f.json",
            "LSQ/res50/config2_res50_lsq_m1_16_2w2f.json",
            "LSQPlus/res50/config1_res50_lsqplus_m1_16_4w4f.json",
            "DoReFa/res50/config1_res50_dorefa_m1_16_4w4f.json",
            "PACT/res50/config1_res50_pact_m1_16_4w4f.json",
            "APoT/res50/config1_res50_apot_m1_16_4w4f.json",
            "UQ/res50/config1_res50_uq_m1_16_4w4f.json",
            "LSQ/mbv2/config1_mbv2_lsq_m1_16_4w4f.json",
            "FLOAT/cres20/config1_cres20_float_m1_128_32w32f.json"];
        string[] methods = ["LSQ", "LSQPlus", "DSQ", "DoReFa", "PACT", "APoT", "UQ"];
        return files.Concat(methods.SelectMany(m => new[]
        {
            $"{m}/cres20/config1_cres20_{m.ToLowerInvariant()}_m1_128_4w4f.json",
            $"{m}/cres20/config2_cres20_{m.ToLowerInvariant()}_m1_128_2w2f.json",
        }));
    }

    /// <summary>Every experiment config: each .json under the tree except <c>_base_/**</c> and the policy files at its root.</summary>
    public static TheoryData<string> ExperimentFiles()
    {
        var files = new TheoryData<string>();
        foreach (string file in ExperimentPaths())
        {
            files.Add(file);
        }

        return files;
    }

    private static IEnumerable<string> ExperimentPaths() =>
        Directory.EnumerateFiles(Root, "*.json", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(f => f.Contains('/') && !f.StartsWith("_base_/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(RequiredFiles))]
    public void A_required_config_exists(string file) =>
        Assert.True(File.Exists(Path.Combine(Root, file)), $"configs/{file} is missing");

    [Fact]
    public void The_tree_holds_every_required_file_and_every_experiment_file_follows_the_convention()
    {
        string[] experiments = [.. ExperimentPaths()];
        Assert.Superset(Required().ToHashSet(), experiments.ToHashSet());
        Assert.All(experiments, f => Assert.Matches(FileName(), Path.GetFileName(f)));
    }

    [Theory]
    [MemberData(nameof(ExperimentFiles))]
    public void Name_follows_the_convention_and_matches_its_folders(string file)
    {
        string[] parts = file.Split('/');
        Assert.True(parts.Length == 3, $"{file}: expected <METHOD>/<backbone>/<name>.json");
        Match name = FileName().Match(parts[2]);
        Assert.True(name.Success, $"{parts[2]} does not read config<N>_<backbone>_<method>_m<machines>_<samplesPerGpu>_<W>w<A>f.json");
        Assert.Equal(parts[0].ToLowerInvariant(), name.Groups["method"].Value);
        Assert.Equal(parts[1], name.Groups["backbone"].Value);
    }

    [Fact]
    public void Experiment_numbers_are_unique_in_each_folder()
    {
        var numbers = ExperimentPaths()
            .Select(f => (Folder: Path.GetDirectoryName(f)!, Match: FileName().Match(Path.GetFileName(f))))
            .Where(f => f.Match.Success)
            .GroupBy(f => (f.Folder, N: f.Match.Groups["n"].Value))
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key.Folder}: config{g.Key.N} is used by {g.Count()} files");
        Assert.Empty(numbers);
    }

    [Fact]
    public void Every_base_file_is_used_by_some_experiment()
    {
        HashSet<string> used = [];
        foreach (string file in ExperimentPaths())
        {
            string path = Path.Combine(Root, file);
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
            foreach (System.Text.Json.JsonElement b in json.RootElement.GetProperty("_base_").EnumerateArray())
            {
                used.Add(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, b.GetString()!)));
            }
        }

        string[] unused = [.. Directory.EnumerateFiles(Path.Combine(Root, "_base_"), "*.json", SearchOption.AllDirectories)
                                  .Select(Path.GetFullPath).Where(b => !used.Contains(b))];
        Assert.Empty(unused);
    }

    [Theory]
    [MemberData(nameof(ExperimentFiles))]
    public void Resolves_builds_and_does_what_its_name_says(string file)
    {
        Match name = FileName().Match(Path.GetFileName(file));
        Assert.True(name.Success, file);
        string method = name.Groups["method"].Value;
        var backbone = BackboneOf[name.Groups["backbone"].Value];
        int w = int.Parse(name.Groups["w"].Value, System.Globalization.CultureInfo.InvariantCulture);
        int a = int.Parse(name.Groups["a"].Value, System.Globalization.CultureInfo.InvariantCulture);
        bool quantized = method != "float";

        IConfigurationRoot config = ConfigDocument.Load(Path.Combine(Root, file)).ToConfiguration();

        // The base list names one model, one dataset, one schedule and the runtime, in that order.
        using (var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, file))))
        {
            string[] bases = [.. json.RootElement.GetProperty("_base_").EnumerateArray().Select(b => b.GetString()!)];
            Assert.Equal(4, bases.Length);
            Assert.StartsWith("../../_base_/models/", bases[0], StringComparison.Ordinal);
            Assert.StartsWith("../../_base_/datasets/", bases[1], StringComparison.Ordinal);
            Assert.Equal("../../_base_/schedules/" + (quantized ? backbone.QatSchedule : backbone.FloatSchedule), bases[2]);
            Assert.Equal("../../_base_/default_runtime.json", bases[3]);
        }

        Assert.Equal(name.Groups["spg"].Value, config["data:samplesPerGpu"]);
        Assert.Equal("1", name.Groups["machines"].Value);
        foreach (string split in new[] { "train", "val", "test" })
        {
            Assert.Equal(backbone.Dataset, config[$"data:{split}:type"]);
        }

        var components = new ComponentRegistry().AddVision();
        foreach (string split in new[] { "train", "val", "test" })
        {
            Assert.NotEmpty(components.BuildPipeline(config.GetSection($"data:{split}:pipeline")).Transforms);
        }

        Assert.Equal(backbone.Backbone, config["model:backbone:type"]);
        using ImageClassifier model = components.Build<ImageClassifier>(config.GetSection("model"));

        IConfigurationSection? section = ConfigFile.Section(config, "quantTransformer");
        if (!quantized)
        {
            Assert.Null(section);
            Assert.Equal(32, w);
            Assert.Equal(32, a);
            Assert.True(string.IsNullOrEmpty(config["loadFrom"]), $"a float run starts from scratch, loadFrom is '{config["loadFrom"]}'");
            return;
        }

        Assert.NotNull(section);
        Assert.Equal(backbone.FloatCheckpoint, config["loadFrom"]);
        if (FloatRun().Match(backbone.FloatCheckpoint) is { Success: true } run)
        {
            // A checkpoint under work_dirs/<stem>/ is the product of the float config <stem> of this tree, same backbone.
            Assert.True(File.Exists(Path.Combine(Root, "FLOAT", name.Groups["backbone"].Value, run.Groups["stem"].Value + ".json")),
                        $"loadFrom {backbone.FloatCheckpoint} names no float config in FLOAT/{name.Groups["backbone"].Value}/");
        }

        // Unset: each quantizer takes its method's decay (PACT's α the weights', the others none).
        Assert.Null(config["optimizer:paramwiseCfg:quantizerDecayMult"]);
        QuantPolicy policy = QuantPolicy.FromConfiguration(section, new QuantLayerRegistry().AddQuantizers());

        TypeRule conv = Assert.Single(policy.TypeRules);
        Assert.Equal(typeof(Conv2d), conv.ModuleType);
        Assert.Equal(LayerOf[method], conv.Target.Layer?.Name);
        Assert.Equal(w, conv.Target.Settings!.WeightBits);
        Assert.Equal(a, conv.Target.Settings.ActivationBits);

        // The policy fits the model: the first conv and the classifier stay at 8 bits, every other conv is the method's.
        QuantizationReport plan = model.PlanQuantization(policy);
        LayerDecision first = plan.Layers.Single(l => l.Name == backbone.FirstConv);
        Assert.Equal(("EightBitConv", 8, 8, (bool?)false), (first.NewType, first.WeightBits, first.ActivationBits, first.InputQuantized));
        LayerDecision fc = plan.Layers.Single(l => l.Name == "head.fc");
        Assert.Equal(("EightBitLinear", 8, 8, (bool?)true), (fc.NewType, fc.WeightBits, fc.ActivationBits, fc.InputQuantized));
        LayerDecision[] convs = [.. plan.Layers.Where(l => l.OriginalType == "Conv2d" && l.Name != backbone.FirstConv)];
        Assert.NotEmpty(convs);
        Assert.All(convs, l => Assert.Equal((QuantDecision.Quantized, LayerOf[method], w, a), (l.Decision, l.NewType, l.WeightBits, l.ActivationBits)));
        Assert.DoesNotContain(plan.Layers, l => l.OriginalType is "Conv2d" or "Linear" && l.Decision != QuantDecision.Quantized);
    }
}
