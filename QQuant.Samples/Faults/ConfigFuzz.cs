using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Samples.Faults;

/// <summary>
/// <c>config-fuzz</c>: a shipped config, resolved, changed at one random key path (see <see cref="ConfigMutation"/>),
/// then loaded and prepared as <c>qquant train</c> prepares it before its first step (training settings, data
/// section, datasets over a tiny generated copy of their files, the model quantized by its policy, the optimizer);
/// a policy-only config is planned on ResNet-18 as <c>qquant plan</c> does. Survived: it prepares, or a
/// <see cref="QQuantException"/> whose message names a key of the changed path (or, for a file setting such as
/// <c>loadFrom</c>, the file it now names), within a second more than the unchanged config takes.
/// </summary>
internal sealed class ConfigFuzz : IFaultClass
{
    public string Name => "config-fuzz";

    public string Description => "Random mutations of the shipped configs (removed, renamed, wrong types, extreme numbers, huge lists): they run or fail with a QQuantException naming the key.";

    public int Cases(bool full) => full ? 1000 : 100;

    public FaultOutcome Run(FaultRun run)
    {
        var tally = new FaultTally();
        string configs = Path.Combine(AppContext.BaseDirectory, "configs");
        string[] files = [.. Directory.EnumerateFiles(configs, "*.json", SearchOption.AllDirectories)
            .Where(f => !f.Contains("_base_", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];
        string data = Path.Combine(run.Folder, "data");
        var roots = files.ToDictionary(f => f, f => PointAtTinyData(ConfigDocument.Load(f).Root, data));
        TinyData.Write(data);
        using ServiceProvider services = CliServices.Create();
        var baselines = new Dictionary<string, double>();
        for (int i = 0; i < run.Cases; i++)
        {
            // A stable mix (HashCode.Combine is salted per process), so a seed names the same cases on every machine.
            var random = new Random(unchecked((run.Seed * 1_000_003) + i));
            string file = files[random.Next(files.Length)];
            JsonObject root = (JsonObject)roots[file].DeepClone();
            ConfigMutation mutation = ConfigMutation.Apply(root, random);
            string name = Path.GetRelativePath(configs, file);
            double baseline = Baseline(services, roots[file], Path.Combine(run.Folder, $"baseline{baselines.Count}"), baselines);
            string? problem = Try(services, root, Path.Combine(run.Folder, $"case{i}"), mutation, run.Timed ? baseline + 1 : double.PositiveInfinity);
            if (problem is null)
            {
                tally.Pass();
            }
            else
            {
                tally.Fail($"case {i}, {name}, {mutation.Description}: {problem}");
            }

            run.Progress.WriteLine($"case {i}, {name}, {mutation.Description}: {problem ?? "survived"}");
        }

        return tally.Outcome();
    }

    // Preparing builds and quantizes the model (seconds for ResNet-50 on two cores): a mutation is given one second
    // over what the unchanged config of the same model takes, measured once per model.
    private static double Baseline(IServiceProvider services, JsonObject root, string folder, Dictionary<string, double> baselines)
    {
        string model = root["model"]?.ToJsonString() ?? "";
        if (!baselines.TryGetValue(model, out double seconds))
        {
            Prepare(services, Write(root, folder));
            string again = Write(root, folder + "b");
            var clock = Stopwatch.StartNew();
            Prepare(services, again);
            baselines[model] = seconds = clock.Elapsed.TotalSeconds;
        }

        return seconds;
    }

    /// <summary>
    /// Null when the mutated config prepared or was refused as promised within <paramref name="seconds"/>, else what
    /// went wrong.
    /// </summary>
    internal static string? Try(IServiceProvider services, JsonObject root, string folder, ConfigMutation mutation, double seconds)
    {
        string file = Write(root, folder);
        var clock = Stopwatch.StartNew();
        try
        {
            Prepare(services, file);
        }
        catch (QQuantException e)
        {
            if (!mutation.KeyNames.Any(k => Mentions(e.Message, k)))
            {
                return $"{e.GetType().Name} names none of {string.Join(", ", mutation.KeyNames)}: {e.Message}";
            }
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }

        return clock.Elapsed.TotalSeconds > seconds ? $"took {clock.Elapsed.TotalSeconds:0.00} s (limit {seconds:0.00} s)" : null;
    }

    // Keys match ignoring case and underscores, so a message may spell the key either way.
    private static bool Mentions(string message, string key) =>
        Normalise(message).Contains(Normalise(key), StringComparison.Ordinal);

    private static string Normalise(string text) => text.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();

    private static string Write(JsonObject root, string folder)
    {
        Directory.CreateDirectory(folder);
        string file = Path.Combine(folder, "config.json");
        File.WriteAllText(file, root.ToJsonString());
        return file;
    }

    private static void Prepare(IServiceProvider services, string file)
    {
        string folder = Path.GetDirectoryName(file)!;
        ConfigDocument config = ConfigDocument.Load(file);
        if (config.Section("model") is null && config.Section("data") is null)
        {
            QuantPolicy policy = QuantPolicy.FromJsonFile(file, services.GetRequiredService<QuantLayerRegistry>());
            using nn.Module<Tensor, Tensor> network = torchvision.models.resnet18(num_classes: 10);
            network.PlanQuantization(policy);
            return;
        }

        var overrides = new TrainingOverrides { WorkDir = Path.Combine(folder, "work") };
        using TrainingRun prepared = services.GetRequiredService<ClassifierTrainer>().Prepare(config, overrides, TextWriter.Null);
    }

    // The datasets read tiny files made for the run, and no weights are loaded: preparing then needs nothing else.
    private static JsonObject PointAtTinyData(JsonObject root, string data)
    {
        foreach (string key in new[] { "loadFrom", "resumeFrom" })
        {
            if (root.ContainsKey(key))
            {
                root[key] = null;
            }
        }

        if (root["data"] is not JsonObject sections)
        {
            return root;
        }

        foreach ((string _, JsonNode? split) in sections)
        {
            if (split is not JsonObject dataset)
            {
                continue;
            }

            bool fashion = dataset["type"]?.GetValue<string>() == "FashionMNIST";
            dataset["dataPrefix"] = Path.Combine(data, fashion ? "fashion" : "images");
            if (dataset.ContainsKey("annFile"))
            {
                dataset["annFile"] = Path.Combine(data, "images.txt");
            }
        }

        return root;
    }

    /// <summary>Four Fashion-MNIST digits per split and four image files with an annotation list.</summary>
    private static class TinyData
    {
        public static void Write(string folder)
        {
            string fashion = Directory.CreateDirectory(Path.Combine(folder, "fashion")).FullName;
            foreach (string split in new[] { "train", "t10k" })
            {
                File.WriteAllBytes(Path.Combine(fashion, $"{split}-images-idx3-ubyte"), [.. Header(0x803, 4, 28, 28), .. new byte[4 * 28 * 28]]);
                File.WriteAllBytes(Path.Combine(fashion, $"{split}-labels-idx1-ubyte"), [.. Header(0x801, 4), 0, 1, 2, 3]);
            }

            string images = Directory.CreateDirectory(Path.Combine(folder, "images", "n0")).FullName;
            var lines = new List<string>();
            for (int i = 0; i < 4; i++)
            {
                using var image = new Image<Rgb24>(8, 8);
                image.SaveAsPng(Path.Combine(images, $"{i}.png"));
                lines.Add($"n0/{i}.png {i}");
            }

            File.WriteAllLines(Path.Combine(folder, "images.txt"), lines);
        }

        private static byte[] Header(params int[] numbers) =>
            [.. numbers.SelectMany(n => new[] { (byte)(n >> 24), (byte)(n >> 16), (byte)(n >> 8), (byte)n })];
    }
}
