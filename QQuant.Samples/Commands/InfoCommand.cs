using System.CommandLine;

namespace QQuant.Samples.Commands;

/// <summary>
/// <c>qquant info</c>: versions, threads, devices, OS, runtime and whether TorchSharp's native library needed
/// QQuant's GLIBCXX patch. Exits 1 when TorchSharp cannot be loaded, after printing why.
/// </summary>
internal static class InfoCommand
{
    public static Command Create(TextWriter output)
    {
        var format = new Option<string>("--format") { Description = "text: one line per fact; json: the same as JSON.", DefaultValueFactory = _ => "text" }
            .AcceptOnly("text", "json");
        var command = new Command("info", "Print QQuant, TorchSharp and libtorch versions, devices and the native-library status.")
        {
            format,
        };
        command.SetAction(parsed =>
        {
            TorchEnvironmentReport report = TorchEnvironment.Describe();
            output.Write(parsed.GetValue(format) == "json" ? report.ToJson() + Environment.NewLine : report.ToString());
            return report.TorchLoaded ? 0 : 1;
        });
        return command;
    }
}
