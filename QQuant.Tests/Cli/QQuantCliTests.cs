using System.Text.Json;
using QQuant.Samples;

namespace QQuant.Tests.Cli;

public class QQuantCliTests
{
    [Fact]
    public void Info_prints_versions_threads_devices_and_the_patch_status()
    {
        (int code, string output, _) = Run("info");

        Assert.Equal(0, code);
        foreach (string row in new[] { "QQuant version:", "TorchSharp version:", "libtorch version:", "Torch threads:", "CUDA available:",
                                       "CUDA devices:", "OS:", ".NET runtime:", "TorchSharp native library:", "GLIBCXX_3.4.32 patch:" })
        {
            Assert.Contains(row, output);
        }
        Assert.Contains("0.107.0", output);
    }

    [Fact]
    public void Info_json_is_machine_readable()
    {
        (int code, string output, _) = Run("info", "--format", "json");

        Assert.Equal(0, code);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.True(json.RootElement.GetProperty("torchLoaded").GetBoolean());
        Assert.Equal("0.107.0", json.RootElement.GetProperty("torchSharpVersion").GetString());
        Assert.True(json.RootElement.GetProperty("threads").GetInt32() >= 1);
        Assert.NotEmpty(json.RootElement.GetProperty("nativeLibrary").GetProperty("state").GetString()!);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("info", "--no-such-option")]
    public void Unknown_commands_and_options_print_usage_and_fail(params string[] args)
    {
        (int code, string output, string error) = Run(args);

        Assert.NotEqual(0, code);
        Assert.Contains("Usage:", output);
        Assert.Contains(args[^1], error);
    }

    [Fact]
    public void No_command_prints_usage_and_fails()
    {
        (int code, string output, _) = Run();

        Assert.NotEqual(0, code);
        Assert.Contains("Usage:", output);
        Assert.Contains("info", output);
    }

    [Fact]
    public void Plan_prints_what_the_sample_config_does_to_resnet18()
    {
        string config = Path.Combine(AppContext.BaseDirectory, "configs", "resnet18-8bit-ends.json");

        (int code, string output, string error) = Run("plan", "--config", config);

        Assert.Equal("", error);
        Assert.Equal(0, code);
        Assert.Contains("conv1                  Conv2d             quantized  Override(\"conv1\")", output);
        Assert.Contains("20 quantized, 0 kept float, 1 excepted, 0 already quantized, 32 without a rule, of 53 leaves", output);
    }

    [Fact]
    public void Plan_prints_json_for_another_model()
    {
        using var folder = new TemporaryFolder("qquant-plan-");
        string config = folder.Write("policy.json", System.Text.Encoding.UTF8.GetBytes(
            """{ "q": { "policy": { "Linear": { "type": "EightBitLinear", "w": 8, "a": 8 } } } }"""));

        (int code, string output, _) = Run("plan", "--config", config, "--section", "q", "--model", "vgg11_bn", "--format", "json");

        Assert.Equal(0, code);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal(3, json.RootElement.GetProperty("layers").EnumerateArray().Count(l => l.GetProperty("decision").GetString() == "quantized"));
    }

    [Fact]
    public void Plan_reports_a_bad_config_with_its_file_and_key_and_fails()
    {
        using var folder = new TemporaryFolder("qquant-plan-");
        string config = folder.Write("policy.json", System.Text.Encoding.UTF8.GetBytes(
            """{ "quantTransformer": { "policy": { "Conv2d": { "type": "EightBitConv", "w": 4, "a": 4, "nbit_w": 2 } } } }"""));

        (int code, string output, string error) = Run("plan", "--config", config);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains(config, error);
        Assert.Contains("quantTransformer:policy:Conv2d:nbit_w: unknown key 'nbit_w'", error);
    }

    [Fact]
    public void Plan_rejects_an_unknown_model_with_usage()
    {
        (int code, string output, string error) = Run("plan", "--config", "x.json", "--model", "resnet9000");

        Assert.NotEqual(0, code);
        Assert.Contains("Usage:", output);
        Assert.Contains("resnet9000", error);
    }

    [Theory]
    [InlineData("--model", "ResNet-9000", "CifarResNet-20, ResNet-18")]
    [InlineData("--method", "LSQ++", "LSQ, LSQ+, DSQ, DoReFa, PACT, APoT, uniform")]
    public void Bench_qat_rejects_an_unknown_model_or_method_before_building_anything(string option, string value, string choices)
    {
        (int code, _, string error) = Run("bench", "qat", option, value);

        Assert.NotEqual(0, code);
        Assert.Contains($"{option}: unknown", error);
        Assert.Contains(value, error);
        Assert.Contains(choices, error);
    }

    private static (int Code, string Output, string Error) Run(params string[] args) => TrainTestInferCommandTests.Run(args);
}
