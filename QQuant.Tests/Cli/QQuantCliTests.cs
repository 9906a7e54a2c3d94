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
        (int code, string output, _) = Run("info", "--json");

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

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = QQuantCli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
