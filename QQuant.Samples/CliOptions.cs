using System.CommandLine;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace QQuant.Samples;

/// <summary>
/// The options several commands share, declared once so that one thing has one name, one type and one meaning
/// everywhere (docs/cli.md, "Conventions"): <c>--options</c>, <c>--device</c>, <c>--json</c>, <c>--out</c>,
/// <c>--work-dir</c>, and the check of options that take one of a few names.
/// </summary>
internal static class CliOptions
{
    /// <summary><c>--options key.path=value ...</c>: overrides of the config's values, for every command that reads a config.</summary>
    public static Option<string[]> ConfigOverrides() => new("--options")
    {
        Description = "Config overrides, key.path=value (JSON values: 0.01, true, [30,60], \"text\"; anything else is a string).",
        AllowMultipleArgumentsPerToken = true,
        DefaultValueFactory = _ => [],
    };

    /// <summary><c>--device</c>: where the model runs; without it, the config's <c>device</c> (see <see cref="ResolveDevice"/>).</summary>
    public static Option<string?> Device() => new("--device") { Description = "cpu, cuda or cuda:N (default: the config's device, else cpu)." };

    /// <summary><c>--json FILE</c>: a JSON copy of what the command prints.</summary>
    public static Option<FileInfo?> Json(string what) => new("--json") { Description = $"Also write {what} as JSON to this file." };

    /// <summary><c>--out FILE</c>: the file the command makes.</summary>
    public static Option<FileInfo?> Out(string description) => new("--out") { Description = description };

    /// <summary><c>--work-dir DIR</c>: where a command's runs leave their logs and checkpoints.</summary>
    public static Option<DirectoryInfo> WorkDir(string defaultPath, string description = "Where the runs' logs and checkpoints go.") =>
        new("--work-dir") { Description = description, DefaultValueFactory = _ => new DirectoryInfo(defaultPath) };

    /// <summary>
    /// Restricts <paramref name="option"/> to <paramref name="choices"/> (exact names): a wrong one fails when the
    /// command line is parsed, before any work, naming the option, the valid names and the nearest; help and shell
    /// completion list the names.
    /// </summary>
    public static TOption AcceptOnly<TOption>(this TOption option, params IReadOnlyList<string> choices) where TOption : Option
    {
        option.CompletionSources.Add([.. choices]);
        option.Validators.Add(result =>
        {
            foreach (string value in result.Tokens.Select(t => t.Value).Where(v => !choices.Contains(v, StringComparer.Ordinal)))
            {
                result.AddError($"{option.Name}: unknown value '{value}'; choose from {string.Join(", ", choices)} ({NearestNames.Suggest(value, choices, 1)}).");
                return;
            }
        });
        return option;
    }

    /// <summary>
    /// The device a command runs on: <c>--device</c> when given, else the configs' <c>device</c> key (all of them must
    /// agree), else the CPU. Checked here, so a missing GPU fails before a model is built.
    /// </summary>
    /// <exception cref="QQuantException">Not a device, not available here, or the configs name different devices.</exception>
    public static Device ResolveDevice(string? option, params IReadOnlyList<ConfigDocument> configs)
    {
        if (option is not null)
        {
            return Devices.Parse(option, "--device");
        }

        (string Path, string Name)[] named = [.. configs.Select(c => (c.Path, Name: ConfigDevice(c))).Where(c => c.Name is not null)!];
        if (named.Select(c => c.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count() > 1)
        {
            throw new QQuantException(
                $"--device: the configs run on different devices ({string.Join(", ", named.Select(c => $"'{c.Name}' in {c.Path}"))}); pass --device to choose one.");
        }

        return named.Length == 0 ? CPU : Devices.Parse(named[0].Name, $"{named[0].Path}: device");
    }

    private static string? ConfigDevice(ConfigDocument config) => config.Section("device") switch
    {
        null => null,
        JsonValue value when value.TryGetValue(out string? name) => name,
        JsonNode other => throw new QQuantException($"{config.Path}: device: {other.ToJsonString()} is not a device name; use \"cpu\", \"cuda\" or \"cuda:N\"."),
    };
}
