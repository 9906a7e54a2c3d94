using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;

namespace QQuant.Tests.Configs;

public sealed class ConfigDocumentTests : IDisposable
{
    private readonly TemporaryFolder _folder = new("qquant-configdoc-");

    public void Dispose() => _folder.Dispose();

    private string Write(string relative, string json)
    {
        string path = Path.Combine(_folder.Path, relative.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json);
        return path;
    }

    private static JsonNode? At(ConfigDocument doc, string dotted)
    {
        JsonNode? node = doc.Root;
        foreach (string segment in dotted.Split('.'))
        {
            node = int.TryParse(segment, out int i) ? node!.AsArray()[i] : node!.AsObject()[segment];
        }

        return node;
    }

    [Fact]
    public void Three_level_chain_through_sub_folders_merges_bases_first_and_lists_the_sources()
    {
        string runtime = Write("_base_/default_runtime.json", """
            {
              // comments and trailing commas are allowed
              "logConfig": { "interval": 100 },
              "optimizer": { "type": "SGD", "lr": 0.1, "momentum": 0.9, },
              "workDir": "work_dirs/base",
            }
            """);
        string schedule = Write("_base_/schedules/sgd_100e.json", """
            { "_base_": "../default_runtime.json", "optimizer": { "lr": 0.05 }, "runner": { "maxEpochs": 100 } }
            """);
        string top = Write("configs/lsq/resnet18_4w4a.json", """
            { "_base_": "../../_base_/schedules/sgd_100e.json", "optimizer": { "weightDecay": 0.0001 }, "runner": { "maxEpochs": 90 } }
            """);

        ConfigDocument doc = ConfigDocument.Load(top);

        Assert.Equal(Path.GetFullPath(top), doc.Path);
        Assert.Equal([runtime, schedule, top], doc.Sources);
        Assert.Equal(0.05, At(doc, "optimizer.lr")!.GetValue<double>());
        Assert.Equal(0.9, At(doc, "optimizer.momentum")!.GetValue<double>());
        Assert.Equal("SGD", At(doc, "optimizer.type")!.GetValue<string>());
        Assert.Equal(0.0001, At(doc, "optimizer.weightDecay")!.GetValue<double>());
        Assert.Equal(90, At(doc, "runner.maxEpochs")!.GetValue<int>());
        Assert.Equal(100, At(doc, "logConfig.interval")!.GetValue<int>());
        Assert.False(doc.Root.ContainsKey("_base_"));
        Assert.DoesNotContain("_base_", doc.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_list_of_bases_merges_in_order_and_the_later_base_wins()
    {
        Write("a.json", """{ "model": { "depth": 18, "fromA": 1 }, "seed": 1 }""");
        Write("b.json", """{ "model": { "depth": 50, "fromB": 2 }, "seed": 2 }""");
        string top = Write("top.json", """{ "_base_": ["a.json", "b.json"], "seed": 3 }""");
        string reversed = Write("reversed.json", """{ "_base_": ["b.json", "a.json"] }""");

        ConfigDocument doc = ConfigDocument.Load(top);
        ConfigDocument other = ConfigDocument.Load(reversed);

        Assert.Equal(50, At(doc, "model.depth")!.GetValue<int>());
        Assert.Equal(1, At(doc, "model.fromA")!.GetValue<int>());
        Assert.Equal(2, At(doc, "model.fromB")!.GetValue<int>());
        Assert.Equal(3, At(doc, "seed")!.GetValue<int>());
        Assert.Equal(18, At(other, "model.depth")!.GetValue<int>());
        Assert.Equal(1, At(other, "seed")!.GetValue<int>());
        Assert.Equal(["a.json", "b.json", "top.json"], doc.Sources.Select(Path.GetFileName));
    }

    [Fact]
    public void Objects_merge_key_by_key_while_arrays_and_scalars_replace()
    {
        Write("base.json", """
            { "lrConfig": { "policy": "step", "step": [30, 60, 90], "gamma": 0.1 },
              "pipeline": [ { "type": "Resize", "size": 256 }, { "type": "Normalize" } ],
              "name": { "nested": true } }
            """);
        string top = Write("top.json", """
            { "_base_": "base.json", "lrConfig": { "step": [50] }, "pipeline": [ { "type": "Resize" } ], "name": "flat" }
            """);

        ConfigDocument doc = ConfigDocument.Load(top);

        Assert.Equal("step", At(doc, "lrConfig.policy")!.GetValue<string>());
        Assert.Equal(0.1, At(doc, "lrConfig.gamma")!.GetValue<double>());
        Assert.Equal([50], At(doc, "lrConfig.step")!.AsArray().Select(n => n!.GetValue<int>()));
        JsonArray pipeline = At(doc, "pipeline")!.AsArray();
        Assert.Single(pipeline);
        Assert.False(pipeline[0]!.AsObject().ContainsKey("size"));
        Assert.Equal("flat", At(doc, "name")!.GetValue<string>());
    }

    [Fact]
    public void Delete_replaces_the_inherited_object_and_is_not_kept()
    {
        Write("base.json", """{ "optimizer": { "type": "SGD", "lr": 0.1, "momentum": 0.9 }, "other": { "a": 1 } }""");
        string top = Write("top.json", """
            { "_base_": "base.json",
              "optimizer": { "_delete_": true, "type": "Adam", "lr": 0.001 },
              "other": { "_delete_": false, "b": 2 },
              "fresh": { "_delete_": true, "inner": { "_delete_": true, "x": 1 } } }
            """);

        ConfigDocument doc = ConfigDocument.Load(top);
        JsonObject optimizer = At(doc, "optimizer")!.AsObject();

        Assert.Equal(["type", "lr"], optimizer.Select(p => p.Key));
        Assert.Equal("Adam", optimizer["type"]!.GetValue<string>());
        Assert.Equal(["a", "b"], At(doc, "other")!.AsObject().Select(p => p.Key));
        Assert.Equal(1, At(doc, "fresh.inner.x")!.GetValue<int>());
        Assert.DoesNotContain("_delete_", doc.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_keys_match_ignoring_case_and_underscores_and_keep_the_inherited_spelling()
    {
        Write("base.json", """{ "data": { "samplesPerGpu": 32, "workersPerGpu": 2 }, "Lr_Config": { "Policy": "step" } }""");
        string top = Write("top.json", """{ "_base_": "base.json", "data": { "samples_per_gpu": 64 }, "lrconfig": { "POLICY": "cos" } }""");

        ConfigDocument doc = ConfigDocument.Load(top);
        JsonObject data = At(doc, "data")!.AsObject();

        Assert.Equal(["samplesPerGpu", "workersPerGpu"], data.Select(p => p.Key));
        Assert.Equal(64, data["samplesPerGpu"]!.GetValue<int>());
        Assert.Equal("cos", At(doc, "Lr_Config.Policy")!.GetValue<string>());
        Assert.False(doc.Root.ContainsKey("lrconfig"));
    }

    [Fact]
    public void Overrides_parse_numbers_booleans_null_lists_objects_and_strings()
    {
        string path = Write("c.json", """
            { "optimizer": { "lr": 0.1, "gradClip": { "maxNorm": 10, "normType": 2 } },
              "data": { "train": { "pipeline": [ { "type": "RandomResizedCrop", "size": 224 } ] } },
              "lrConfig": { "step": [10] }, "resumeFrom": "x.pth", "fp16": false }
            """);

        ConfigDocument doc = ConfigDocument.Load(path,
        [
            "optimizer.lr=0.01",
            "fp16=true",
            "resume_from=null",
            "lrConfig.step=[30,60]",
            "optimizer.grad_clip={\"maxNorm\":35}",
            "device=cuda:0",
            "workDir=work_dirs/x",
            "data.train.pipeline.0.size=32",
            "evaluation.metric.name=accuracy",
            "name=\"quoted\"",
        ]);

        Assert.Equal(0.01, At(doc, "optimizer.lr")!.GetValue<double>());
        Assert.True(At(doc, "fp16")!.GetValue<bool>());
        Assert.True(doc.Root.ContainsKey("resumeFrom"));
        Assert.Null(At(doc, "resumeFrom"));
        Assert.Equal([30, 60], At(doc, "lrConfig.step")!.AsArray().Select(n => n!.GetValue<int>()));
        Assert.Equal(35, At(doc, "optimizer.gradClip.maxNorm")!.GetValue<int>());
        Assert.Equal(2, At(doc, "optimizer.gradClip.normType")!.GetValue<int>());
        Assert.Equal("cuda:0", At(doc, "device")!.GetValue<string>());
        Assert.Equal("work_dirs/x", At(doc, "workDir")!.GetValue<string>());
        Assert.Equal(32, At(doc, "data.train.pipeline.0.size")!.GetValue<int>());
        Assert.Equal("RandomResizedCrop", At(doc, "data.train.pipeline.0.type")!.GetValue<string>());
        Assert.Equal("accuracy", At(doc, "evaluation.metric.name")!.GetValue<string>());
        Assert.Equal("quoted", At(doc, "name")!.GetValue<string>());
        Assert.Equal(10, doc.Overrides.Count);
        Assert.Equal("optimizer.lr=0.01", doc.Overrides[0]);
    }

    [Fact]
    public void Overrides_apply_in_order_after_the_bases_and_delete_in_an_object_value_replaces()
    {
        Write("base.json", """{ "optimizer": { "type": "SGD", "lr": 0.1 } }""");
        string top = Write("top.json", """{ "_base_": "base.json", "optimizer": { "lr": 0.2 } }""");

        ConfigDocument doc = ConfigDocument.Load(top, ["optimizer.lr=0.3", "OPTIMIZER.LR=0.4", "model={\"_delete_\":true,\"type\":\"X\"}"]);
        ConfigDocument replaced = ConfigDocument.Load(top, ["optimizer={\"_delete_\":true,\"type\":\"Adam\"}"]);

        Assert.Equal(0.4, At(doc, "optimizer.lr")!.GetValue<double>());
        Assert.Equal(["type", "lr"], At(doc, "optimizer")!.AsObject().Select(p => p.Key));
        Assert.Equal(["type"], At(replaced, "optimizer")!.AsObject().Select(p => p.Key));
        Assert.Equal("Adam", At(replaced, "optimizer.type")!.GetValue<string>());
        Assert.DoesNotContain("_delete_", doc.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_names_the_file()
    {
        string path = Path.Combine(_folder.Path, "nope.json");

        var e = Assert.Throws<ConfigFileException>(() => ConfigDocument.Load(path));

        Assert.Equal(path, e.FilePath);
        Assert.Null(e.KeyPath);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_json_names_the_file_line_and_position()
    {
        string path = Write("broken.json", "{\n  \"a\": 1,\n  \"b\": }\n");

        var e = Assert.Throws<ConfigFileException>(() => ConfigDocument.Load(path));

        Assert.Equal(path, e.FilePath);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON at line 3, position 8", e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<System.Text.Json.JsonException>(e.InnerException);
    }

    [Fact]
    public void Invalid_json_in_a_base_names_the_base_file()
    {
        string bad = Write("sub/bad.json", "{ \"a\": [1, 2 }");
        string top = Write("top.json", """{ "_base_": "sub/bad.json" }""");

        var e = Assert.Throws<ConfigFileException>(() => ConfigDocument.Load(top));

        Assert.Equal(bad, e.FilePath);
        Assert.Contains(bad, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[1, 2]", "a list of 2 items")]
    [InlineData("\"text\"", "a string (\"text\")")]
    [InlineData("3", "a number (3)")]
    public void A_top_level_that_is_not_an_object_is_an_error(string json, string described)
    {
        string path = Write("top.json", json);

        var e = Assert.Throws<ConfigFileException>(() => ConfigDocument.Load(path));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains($"the top level must be a JSON object {{ ... }}, got {described}", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "_base_": 3 }""", "_base_")]
    [InlineData("""{ "_base_": { "file": "a.json" } }""", "_base_")]
    [InlineData("""{ "_base_": ["a.json", 7] }""", "_base_[1]")]
    [InlineData("""{ "_base_": ["a.json", ""] }""", "_base_[1]")]
    [InlineData("""{ "_base_": [null] }""", "_base_[0]")]
    public void A_malformed_base_names_the_file_and_the_base_key(string json, string key)
    {
        Write("a.json", "{}");
        string path = Write("top.json", json);

        var e = Assert.Throws<ConfigFileException>(() => ConfigDocument.Load(path));

        Assert.Equal(path, e.FilePath);
        Assert.Equal(key, e.KeyPath);
        Assert.Contains($"Config file '{path}', key '{key}':", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_base_names_the_including_file_the_key_and_the_resolved_path()
    {
        Write("sub/base_a.json", "{}");
        Write("sub/base_b.json", "{}");
        string including = Write("sub/child.json", """{ "_base_": ["base_a.json", "../schedules/base_x.json"] }""");
        string top = Write("top.json", """{ "_base_": "sub/child.json" }""");
        string resolved = Path.GetFullPath(Path.Combine(_folder.Path, "schedules", "base_x.json"));
        Write("sub/base_c.json", "{}");
        string near = Write("near/top.json", """{ "_base_": "base_b.jsn" }""");
        Write("near/base_b.json", "{}");

        var e = Assert.Throws<ConfigFileException>(() => ConfigDocument.Load(top));
        var nearest = Assert.Throws<ConfigFileException>(() => ConfigDocument.Load(near));

        Assert.Equal(including, e.FilePath);
        Assert.Equal("_base_[1]", e.KeyPath);
        Assert.Contains(including, e.Message, StringComparison.Ordinal);
        Assert.Contains("_base_[1]", e.Message, StringComparison.Ordinal);
        Assert.Contains(resolved, e.Message, StringComparison.Ordinal);
        Assert.Equal("_base_", nearest.KeyPath);
        Assert.Contains("nearest: 'base_b.json'", nearest.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cycle_of_bases_lists_the_chain()
    {
        string a = Write("a.json", """{ "_base_": "sub/b.json" }""");
        string b = Write("sub/b.json", """{ "_base_": ["ok.json", "../c.json"] }""");
        Write("sub/ok.json", "{}");
        string c = Write("c.json", """{ "_base_": "a.json" }""");
        string self = Write("self.json", """{ "_base_": "./self.json" }""");

        var e = Assert.Throws<ConfigFileException>(() => ConfigDocument.Load(a));
        var selfCycle = Assert.Throws<ConfigFileException>(() => ConfigDocument.Load(self));

        Assert.Equal(c, e.FilePath);
        Assert.Equal("_base_", e.KeyPath);
        Assert.Contains($"{a} -> {b} -> {c} -> {a}", e.Message, StringComparison.Ordinal);
        Assert.Contains($"{self} -> {self}", selfCycle.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_base_shared_by_two_bases_is_no_cycle_and_is_listed_once()
    {
        Write("common.json", """{ "seed": 1 }""");
        Write("x.json", """{ "_base_": "common.json", "x": 1 }""");
        Write("y.json", """{ "_base_": "common.json", "y": 2 }""");
        string top = Write("top.json", """{ "_base_": ["x.json", "y.json"] }""");

        ConfigDocument doc = ConfigDocument.Load(top);

        Assert.Equal(["common.json", "x.json", "y.json", "top.json"], doc.Sources.Select(Path.GetFileName));
        Assert.Equal(["seed", "x", "y"], doc.Root.Select(p => p.Key));
    }

    [Theory]
    [InlineData("optimizer.lr", "optimizer.lr", "has no '='")]
    [InlineData("=0.1", "", "empty key path")]
    [InlineData(" =0.1", "", "empty key path")]
    [InlineData("optimizer..lr=1", "optimizer..lr", "segment 2 of the key path is empty")]
    public void A_malformed_override_names_the_file_and_the_override(string text, string key, string problem)
    {
        string path = Write("c.json", """{ "optimizer": { "lr": 0.1 } }""");

        var e = Assert.Throws<ConfigFileException>(() => ConfigDocument.Load(path, [text]));

        Assert.Equal(path, e.FilePath);
        Assert.Equal(key, e.KeyPath);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains($"key '{key}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_override_through_a_scalar_names_the_path_and_the_nearest_objects_at_that_level()
    {
        string path = Write("c.json", """{ "optimizer": { "lr": 0.1, "paramwiseCfg": {}, "lrMult": [1] }, "name": "x" }""");

        var e = Assert.Throws<ConfigFileException>(() => ConfigDocument.Load(path, ["optimizer.lr.value=1"]));
        var top = Assert.Throws<ConfigFileException>(() => ConfigDocument.Load(path, ["name.first=1"]));

        Assert.Equal("optimizer.lr.value", e.KeyPath);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("'optimizer.lr' is a number (0.1), not an object or a list", e.Message, StringComparison.Ordinal);
        Assert.Contains("nearest: 'lrMult', 'paramwiseCfg'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'name' is a string (\"x\")", top.Message, StringComparison.Ordinal);
        Assert.Contains("nearest: 'optimizer'", top.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("data.pipeline.3.size=1", "index 3 is out of range for 'data.pipeline', a list of 2 items; valid indexes are 0 to 1")]
    [InlineData("data.pipeline.2=1", "index 2 is out of range")]
    [InlineData("data.pipeline.size=1", "'data.pipeline' is a list of 2 items, so 'size' must be an index; valid indexes are 0 to 1")]
    [InlineData("data.pipeline.-1=1", "so '-1' must be an index")]
    [InlineData("data.empty.0=1", "'data.empty', a list of 0 items; it is empty")]
    [InlineData("data.pipeline.1.x=1", "'data.pipeline.1' is a string (\"Normalize\")")]
    public void An_override_out_of_a_list_range_is_an_error(string text, string problem)
    {
        string path = Write("c.json", """{ "data": { "pipeline": [ { "type": "Resize" }, "Normalize" ], "empty": [] } }""");

        var e = Assert.Throws<ConfigFileException>(() => ConfigDocument.Load(path, [text]));

        Assert.Equal(text[..text.IndexOf('=')], e.KeyPath);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_that_match_ignoring_case_and_underscores_in_one_object_are_an_error()
    {
        string path = Write("c.json", """{ "data": { "samples_per_gpu": 1, "samplesPerGpu": 2 } }""");

        var e = Assert.Throws<ConfigFileException>(() => ConfigDocument.Load(path));

        Assert.Equal("data.samplesPerGpu", e.KeyPath);
        Assert.Contains("'samples_per_gpu'", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_delete_flag_that_is_not_a_boolean_is_an_error()
    {
        string path = Write("c.json", """{ "optimizer": { "_delete_": "yes", "lr": 1 } }""");

        var e = Assert.Throws<ConfigFileException>(() => ConfigDocument.Load(path));

        Assert.Equal("optimizer._delete_", e.KeyPath);
        Assert.Contains("must be true or false", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_writes_the_resolved_config_that_loads_back_equal()
    {
        Write("base.json", """{ "optimizer": { "type": "SGD", "lr": 0.1 }, "steps": [30, 60], "label": "héllo + <x>" }""");
        string top = Write("top.json", """{ "_base_": "base.json", "optimizer": { "lr": 0.02 } }""");
        ConfigDocument doc = ConfigDocument.Load(top, ["device=cuda:0"]);
        string saved = Path.Combine(_folder.Path, "out", "resolved.json");

        doc.Save(saved);
        ConfigDocument back = ConfigDocument.Load(saved);

        Assert.True(JsonNode.DeepEquals(doc.Root, back.Root), back.ToJson());
        Assert.Equal(doc.ToJson(), back.ToJson());
        Assert.Equal([saved], back.Sources);
        Assert.Contains("héllo + <x>", File.ReadAllText(saved), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(saved)!, "*.tmp"));
    }

    [Fact]
    public void ToConfiguration_exposes_the_resolved_values()
    {
        Write("base.json", """{ "optimizer": { "type": "SGD", "lr": 0.1 }, "lrConfig": { "step": [30, 60] } }""");
        string top = Write("top.json", """{ "_base_": "base.json", "optimizer": { "lr": 0.01 } }""");

        IConfigurationRoot config = ConfigDocument.Load(top, ["optimizer.momentum=0.9"]).ToConfiguration();

        Assert.Equal("0.01", config["optimizer:lr"]);
        Assert.Equal("SGD", config["optimizer:type"]);
        Assert.Equal("0.9", config["optimizer:momentum"]);
        Assert.Equal("60", config["lrConfig:step:1"]);
    }

    [Fact]
    public void Root_is_a_copy()
    {
        ConfigDocument doc = ConfigDocument.Parse("""{ "a": { "b": 1 } }""");

        doc.Root["a"]!["b"] = 2;

        Assert.Equal(1, doc.Root["a"]!["b"]!.GetValue<int>());
    }

    [Fact]
    public void Parse_resolves_bases_relative_to_the_current_directory_and_names_its_source()
    {
        string basePath = Write("cwd/base.json", """{ "a": 1, "b": 1 }""");
        string relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), basePath).Replace('\\', '/');

        ConfigDocument doc = ConfigDocument.Parse($$"""{ "_base_": "{{relative}}", "b": 2 }""", overrides: ["c=3"]);
        var e = Assert.Throws<ConfigFileException>(() => ConfigDocument.Parse("{ \"a\": ", "inline-config"));
        var unnamed = Assert.Throws<ConfigFileException>(() => ConfigDocument.Parse("[]"));

        Assert.Equal(["a", "b", "c"], doc.Root.Select(p => p.Key));
        Assert.Equal(2, doc.Root["b"]!.GetValue<int>());
        Assert.Equal("", doc.Path);
        Assert.Equal([basePath], doc.Sources);
        Assert.Equal("inline-config", e.FilePath);
        Assert.StartsWith("Config file 'inline-config':", e.Message, StringComparison.Ordinal);
        Assert.Null(unnamed.FilePath);
        Assert.StartsWith("Config JSON:", unnamed.Message, StringComparison.Ordinal);
    }
}
