using Microsoft.Extensions.Configuration;

namespace QQuant.Tests.Configs;

public sealed class ConfigFileTests
{
    [Fact]
    public void ConfigFile_Load_merges_bases_and_applies_overrides()
    {
        using var folder = new TemporaryFolder("qquant-configfile-");
        Directory.CreateDirectory(Path.Combine(folder.Path, "_base_"));
        File.WriteAllText(Path.Combine(folder.Path, "_base_", "model.json"), """{ "model": { "type": "ImageClassifier", "head": { "num_classes": 1000 } } }""");
        string top = Path.Combine(folder.Path, "top.json");
        File.WriteAllText(top, """{ "_base_": "_base_/model.json", "model": { "head": { "numClasses": 10 } } }""");

        IConfigurationRoot config = ConfigFile.Load(top, ["model.backbone.depth=18"]);

        Assert.Equal("ImageClassifier", config["model:type"]);
        Assert.Equal("10", config["model:head:num_classes"]);
        Assert.Null(config["model:head:numClasses"]);
        Assert.Equal("18", config["model:backbone:depth"]);
    }

    [Fact]
    public void ConfigFile_Load_reports_a_missing_base_as_a_component_configuration_error_naming_file_and_key()
    {
        using var folder = new TemporaryFolder("qquant-configfile-");
        string top = Path.Combine(folder.Path, "top.json");
        File.WriteAllText(top, """{ "_base_": ["gone.json"] }""");

        var e = Assert.Throws<ComponentConfigurationException>(() => ConfigFile.Load(top));

        Assert.StartsWith($"Invalid configuration in {top}: _base_[0]: the base file '{Path.Combine(folder.Path, "gone.json")}' does not exist", e.Message, StringComparison.Ordinal);
        Assert.Single(e.Problems);
    }

    [Fact]
    public void ConfigFile_Load_reports_a_missing_file_and_invalid_json_as_component_configuration_errors()
    {
        using var folder = new TemporaryFolder("qquant-configfile-");
        string missing = Path.Combine(folder.Path, "missing.json");
        string broken = Path.Combine(folder.Path, "broken.json");
        File.WriteAllText(broken, "{ \"a\": ");

        var notFound = Assert.Throws<ComponentConfigurationException>(() => ConfigFile.Load(missing));
        var invalid = Assert.Throws<ComponentConfigurationException>(() => ConfigFile.Load(broken));

        Assert.Equal($"Invalid configuration in {missing}: the file does not exist (nearest: 'broken.json').", notFound.Message);
        Assert.StartsWith($"Invalid configuration in {broken}: not valid JSON at line 1", invalid.Message, StringComparison.Ordinal);
    }
}
