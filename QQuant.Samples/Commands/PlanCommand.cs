using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using QQuant.Quantizers;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Samples.Commands;

/// <summary>
/// <c>qquant plan --config file.json [--model resnet18]</c>: binds the policy in a JSON config and prints what it would
/// do to a TorchVision model (a dry run: the report of <c>PlanQuantization</c>). Exits 1, printing every problem,
/// when the config does not bind or does not fit the model.
/// </summary>
internal static class PlanCommand
{
    private static readonly Dictionary<string, Func<int, nn.Module<Tensor, Tensor>>> Models = new()
    {
        ["resnet18"] = classes => torchvision.models.resnet18(num_classes: classes),
        ["resnet34"] = classes => torchvision.models.resnet34(num_classes: classes),
        ["resnet50"] = classes => torchvision.models.resnet50(num_classes: classes),
        ["mobilenet_v2"] = classes => torchvision.models.mobilenet_v2(num_classes: classes),
        ["vgg11_bn"] = classes => torchvision.models.vgg11_bn(num_classes: classes),
    };

    public static Command Create(TextWriter output)
    {
        var config = new Option<FileInfo>("--config") { Description = "A JSON file holding the policy.", Required = true };
        var section = new Option<string>("--section")
        {
            Description = "The key of the policy's section in the file.",
            DefaultValueFactory = _ => "quantTransformer",
        };
        var model = new Option<string>("--model") { Description = "The TorchVision model.", DefaultValueFactory = _ => "resnet18" };
        model.AcceptOnly([.. Models.Keys]);
        var format = new Option<string>("--format") { Description = "How to print the report.", DefaultValueFactory = _ => "table" };
        format.AcceptOnly("table", "markdown", "json");
        var command = new Command("plan", "Print what a JSON policy would do to a TorchVision model, changing nothing.")
        {
            config, section, model, format,
        };
        command.SetAction(parsed =>
        {
            QuantLayerRegistry layers = new ServiceCollection().AddQQuant().AddQuantizers().Layers;
            string path = FilePaths.RequireExisting(parsed.GetValue(config)!.FullName, "--config");
            QuantPolicy policy = QuantPolicy.FromJsonFile(path, layers, parsed.GetValue(section)!);
            using nn.Module<Tensor, Tensor> network = Models[parsed.GetValue(model)!](10);
            QuantizationReport report = network.PlanQuantization(policy);
            output.WriteLine(parsed.GetValue(format) switch
            {
                "markdown" => report.ToMarkdown(),
                "json" => report.ToJson(),
                _ => report.ToString(),
            });
            return 0;
        });
        return command;
    }
}
