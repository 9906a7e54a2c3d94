using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Quantizers;
using QQuant.Samples.Faults;
using QQuant.Vision;

namespace QQuant.Tests.Faults;

public class ConfigFuzzTests
{
    [Fact]
    public void Every_reduced_config_mutation_is_survived()
    {
        using var folder = new TemporaryFolder("faults-config");
        var fault = new ConfigFuzz();

        FaultOutcome outcome = fault.Run(new FaultRun(fault.Cases(full: false), folder.Path, 1, TextWriter.Null, Timed: false));

        Assert.True(outcome.Passed, string.Join(Environment.NewLine, outcome.Failures));
    }

    [Fact]
    public void A_huge_list_is_refused_at_once_naming_its_key_path()
    {
        var numbers = new JsonArray();
        for (int i = 0; i < ConfigDocument.MaxListLength + 1; i++)
        {
            numbers.Add(1);
        }

        string json = new JsonObject { ["evaluation"] = new JsonObject { ["topk"] = numbers } }.ToJsonString();
        var clock = Stopwatch.StartNew();

        var e = Assert.Throws<ConfigFileException>(() => ConfigDocument.Parse(json, "big.json"));

        Assert.Equal("evaluation.topk", e.KeyPath);
        Assert.Contains("big.json", e.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed.TotalSeconds < 10, $"took {clock.Elapsed.TotalSeconds} s (binding 100 000 items took minutes before the limit)");
    }

    [Fact]
    public void A_list_at_the_limit_loads()
    {
        var names = new JsonArray();
        for (int i = 0; i < ConfigDocument.MaxListLength; i++)
        {
            names.Add($"class{i}");
        }

        ConfigDocument config = ConfigDocument.Parse(new JsonObject { ["classes"] = names }.ToJsonString());

        Assert.Equal(ConfigDocument.MaxListLength, config.Section("classes")!.AsArray().Count);
    }

    [Fact]
    public void A_mutation_follows_its_seed()
    {
        JsonObject Config() => JsonNode.Parse("""{ "optimizer": { "lr": 0.1, "steps": [ 1, 2 ] }, "seed": 0 }""")!.AsObject();
        JsonObject first = Config(), second = Config();

        ConfigMutation a = ConfigMutation.Apply(first, new Random(42));
        ConfigMutation b = ConfigMutation.Apply(second, new Random(42));

        Assert.Equal(a.Description, b.Description);
        Assert.Equal(first.ToJsonString(), second.ToJsonString());
        Assert.NotEqual(Config().ToJsonString(), first.ToJsonString());
    }

    [Theory]
    [InlineData("2147483647")]
    [InlineData("oops")]
    [InlineData("cuda:-5")]
    public void A_device_that_is_not_one_is_refused_naming_the_key(string device)
    {
        using var folder = new TemporaryFolder("faults-config");
        using ServiceProvider services = new ServiceCollection().AddQQuant().AddQuantizers().AddVision().Services.BuildServiceProvider();
        ConfigDocument config = ConfigDocument.Parse(new JsonObject { ["device"] = device }.ToJsonString(), "device.json");

        var e = Assert.ThrowsAny<QQuantException>(() => services.GetRequiredService<ClassifierTrainer>()
            .Prepare(config, new TrainingOverrides { WorkDir = folder.Path }, TextWriter.Null));

        Assert.Contains($"device: '{device}'", e.Message, StringComparison.Ordinal);
    }
}
