using System.CommandLine;
using QQuant.Samples;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Tests.Cli;

/// <summary>
/// One name, one type and one meaning for the same thing in every command (docs/cli.md, "Conventions"): files are
/// <see cref="FileInfo"/>, folders <see cref="DirectoryInfo"/>, <c>--out</c> is the file a command makes, <c>--json</c>
/// a JSON copy of what it prints, <c>--device</c> defaults to the config's; options that take one of a few names
/// refuse others when the command line is parsed.
/// </summary>
public class CliConventionsTests
{
    /// <summary>Every command of the CLI with its path (<c>bench data</c>), found by walking the root.</summary>
    internal static IEnumerable<(string Path, Command Command)> Commands(Command command, string path = "")
    {
        foreach (Command sub in command.Subcommands)
        {
            string subPath = path.Length == 0 ? sub.Name : $"{path} {sub.Name}";
            yield return (subPath, sub);
            foreach ((string, Command) nested in Commands(sub, subPath))
            {
                yield return nested;
            }
        }
    }

    private static readonly (string Path, Option Option)[] EveryOption =
    [
        .. Commands(QQuantCli.Build(TextWriter.Null, TextWriter.Null)).SelectMany(c => c.Command.Options.Select(o => (c.Path, o))),
    ];

    /// <summary>Options that name a file to read or write, whatever the command.</summary>
    private static readonly string[] FileOptions =
        ["--config", "--checkpoint", "--image", "--onnx", "--data", "--out", "--json", "--config-float", "--config-int", "--checkpoint-float", "--checkpoint-int", "--float-checkpoint", "--aligned-checkpoint"];

    [Fact]
    public void Files_are_file_options_and_folders_folder_options_in_every_command()
    {
        (string Path, Option Option)[] files = [.. EveryOption.Where(o => FileOptions.Contains(o.Option.Name))];
        Assert.True(files.Length >= 20, $"only {files.Length} file options found");
        Assert.All(files, o => Assert.True(o.Option.ValueType == typeof(FileInfo) || o.Option.ValueType == typeof(FileInfo[]),
            $"{o.Path} {o.Option.Name} is a {o.Option.ValueType.Name}"));

        (string Path, Option Option)[] folders = [.. EveryOption.Where(o => o.Option.Name is "--work-dir" or "--data-root" or "--fashion-mnist")];
        Assert.True(folders.Length >= 5, $"only {folders.Length} folder options found");
        Assert.All(folders, o => Assert.True(o.Option.ValueType == typeof(DirectoryInfo), $"{o.Path} {o.Option.Name} is a {o.Option.ValueType.Name}"));

        Assert.All(Commands(QQuantCli.Build(TextWriter.Null, TextWriter.Null)).SelectMany(c => c.Command.Arguments.Select(a => (c.Path, a))),
            a => Assert.True(a.a.ValueType == typeof(FileInfo), $"{a.Path} <{a.a.Name}> is a {a.a.ValueType.Name}"));
    }

    [Fact]
    public void Every_device_option_defaults_to_the_configs_device_and_the_old_names_are_gone()
    {
        (string Path, Option Option)[] devices = [.. EveryOption.Where(o => o.Option.Name == "--device")];

        Assert.Equal(["analyze", "predict", "test", "train"], devices.Select(d => d.Path).Order(StringComparer.Ordinal));
        Assert.All(devices, d => Assert.Contains("default: the config's device", d.Option.Description, StringComparison.Ordinal));
        Assert.DoesNotContain(EveryOption, o => o.Option.Name is "--save-path" || (o.Path == "info" && o.Option.Name == "--json"));
    }

    [Fact]
    public void Infer_is_another_name_for_predict()
    {
        Command[] commands = [.. QQuantCli.Build(TextWriter.Null, TextWriter.Null).Subcommands];

        Command predict = Assert.Single(commands, c => c.Name == "predict" || c.Aliases.Contains("infer"));
        Assert.Equal("predict", predict.Name);
        Assert.DoesNotContain(commands, c => c.Name == "infer");
    }

    /// <summary>A command line, the option that takes a name, a wrong name and the nearest right one.</summary>
    public static TheoryData<string[], string, string, string> WrongChoices() => new()
    {
        { ["train", "c.json", "--launcher"], "--launcher", "mpii", "mpi" },
        { ["export", "c.json", "m.ckpt", "--format"], "--format", "qdx", "qdq" },
        { ["predict", "--image", "a.png", "--format"], "--format", "dikt", "dict" },
        { ["info", "--format"], "--format", "jsno", "json" },
        { ["plan", "--config", "p.json", "--format"], "--format", "markdwn", "markdown" },
        { ["test", "c.json", "m.ckpt", "--metrics"], "--metrics", "acuracy", "accuracy" },
        { ["bench", "qat", "--model"], "--model", "ResNet18", "ResNet-18" },
        { ["bench", "qat", "--method"], "--method", "LSQ++", "LSQ+" },
        { ["bench", "dist", "--model"], "--model", "cifarresnet-20", "CifarResNet-20" },
        { ["bench", "export", "--model"], "--model", "ResNet-81", "ResNet-18" },
        { ["bench", "faults", "--only"], "--only", "checkpoint-flop", "checkpoint-flip" },
    };

    [Theory]
    [MemberData(nameof(WrongChoices))]
    public void A_wrong_name_fails_when_parsed_naming_the_option_the_choices_and_the_nearest(string[] args, string option, string wrong, string nearest)
    {
        RootCommand root = QQuantCli.Build(TextWriter.Null, TextWriter.Null);

        Assert.Empty(root.Parse([.. args, nearest]).Errors);
        string error = Assert.Single(root.Parse([.. args, wrong]).Errors).Message;

        Assert.StartsWith($"{option}: unknown value '{wrong}'; choose from ", error, StringComparison.Ordinal);
        Assert.Contains(nearest, error.Split("; choose from ")[1], StringComparison.Ordinal);
        Assert.EndsWith($"(nearest: '{nearest}').", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_device_is_the_options_else_the_configs_else_the_cpu()
    {
        ConfigDocument cpu = ConfigDocument.Parse("""{ "device": "cpu" }""", "cpu.json");
        ConfigDocument none = ConfigDocument.Parse("{}", "none.json");

        Assert.Equal(DeviceType.CPU, CliOptions.ResolveDevice(null, none).type);
        Assert.Equal(DeviceType.CPU, CliOptions.ResolveDevice(null, cpu, none).type);
        Assert.Equal(DeviceType.CPU, CliOptions.ResolveDevice("cpu", ConfigDocument.Parse("""{ "device": "cuda:7" }""", "gpu.json")).type);

        var e = Assert.Throws<QQuantException>(() => CliOptions.ResolveDevice(null, cpu, ConfigDocument.Parse("""{ "device": "cuda:0" }""", "gpu.json")));
        Assert.Contains("--device: the configs run on different devices ('cpu' in cpu.json, 'cuda:0' in gpu.json); pass --device", e.Message, StringComparison.Ordinal);

        e = Assert.Throws<QQuantException>(() => CliOptions.ResolveDevice(null, ConfigDocument.Parse("""{ "device": 0 }""", "zero.json")));
        Assert.Equal("zero.json: device: 0 is not a device name; use \"cpu\", \"cuda\" or \"cuda:N\".", e.Message);

        e = Assert.Throws<DeviceNotAvailableException>(() => CliOptions.ResolveDevice(null, ConfigDocument.Parse("""{ "device": "tpu" }""", "tpu.json")));
        Assert.StartsWith("tpu.json: device: 'tpu' is not a device", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("test")]
    [InlineData("predict")]
    [InlineData("analyze")]
    public void A_command_without_device_runs_where_its_config_says(string command)
    {
        Assert.SkipWhen(cuda.is_available(), "CUDA is available here: a config's 'cuda' is a valid device");
        using var folder = new TemporaryFolder("config-device");
        string config = TrainTestInferCommandTests.WriteConfig(folder, "on_gpu.json").Replace(".json", "", StringComparison.Ordinal);
        File.WriteAllText(config + ".json", File.ReadAllText(config + ".json").Replace("\"totalEpochs\"", "\"device\": \"cuda\", \"totalEpochs\"", StringComparison.Ordinal));
        string checkpoint = folder.Write("model.ckpt", [1, 2, 3]);
        string image = folder.Write("a.png", [1, 2, 3]);
        string[] args = command switch
        {
            "test" => ["test", config + ".json", checkpoint],
            "predict" => ["predict", "--config", config + ".json", "--checkpoint", checkpoint, "--image", image],
            _ => ["analyze", "--image", image, "--config-float", config + ".json", "--config-int", config + ".json", "--checkpoint-float", checkpoint,
                  "--checkpoint-int", checkpoint, "--out", Path.Combine(folder.Path, "page.html")],
        };

        (int code, _, string error) = TrainTestInferCommandTests.Run(args);

        Assert.Equal(1, code);
        Assert.Contains("on_gpu.json: device: 'cuda' needs CUDA", error, StringComparison.Ordinal);

        (code, _, error) = TrainTestInferCommandTests.Run([.. args, "--device", "cpu"]);
        Assert.Equal(1, code);
        Assert.DoesNotContain("needs CUDA", error, StringComparison.Ordinal);
        Assert.Contains("model.ckpt", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_takes_one_image_or_a_val_split_not_both_nor_neither()
    {
        string[] models = ["analyze", "--config-float", "f.json", "--config-int", "q.json", "--checkpoint-float", "f.ckpt", "--checkpoint-int", "q.ckpt"];

        foreach (string[] args in (string[][])[models, [.. models, "--image", "a.png", "--data", "q.json"]])
        {
            (int code, string output, string error) = TrainTestInferCommandTests.Run(args);
            Assert.Equal(1, code);
            Assert.Equal("", output);
            Assert.Equal("error: analyze takes one of --image (one image) and --data (a config whose val split is analysed); see 'qquant analyze --help'.", error.Trim());
        }
    }
}
