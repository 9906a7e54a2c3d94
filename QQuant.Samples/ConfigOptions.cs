using System.CommandLine;

namespace QQuant.Samples;

/// <summary>The <c>--options key.path=value ...</c> option every config-reading command takes.</summary>
internal static class ConfigOptions
{
    public static Option<string[]> Create() => new("--options")
    {
        Description = "Config overrides, key.path=value (JSON values: 0.01, true, [30,60], \"text\"; anything else is a string).",
        AllowMultipleArgumentsPerToken = true,
        DefaultValueFactory = _ => [],
    };
}
