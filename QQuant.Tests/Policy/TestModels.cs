using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Tests.Policy;

/// <summary>Small models whose module names the policy tests refer to.</summary>
internal static class TestModels
{
    /// <summary>
    /// backbone.conv1, backbone.bn1, backbone.relu, backbone.layer1.{0,1}.{conv,bn}, neck.conv, head.pool,
    /// head.flatten, head.fc — and, when <paramref name="withConv1d"/>, extra.conv1d.
    /// </summary>
    public static Sequential Classifier(bool withConv1d = false)
    {
        var parts = new List<(string, nn.Module<Tensor, Tensor>)>
        {
            ("backbone", nn.Sequential(
                ("conv1", nn.Conv2d(3, 4, 3, padding: 1)),
                ("bn1", nn.BatchNorm2d(4)),
                ("relu", nn.ReLU()),
                ("layer1", nn.Sequential(("0", Block()), ("1", Block()))))),
            ("neck", nn.Sequential(("conv", nn.Conv2d(4, 4, 1)))),
            ("head", nn.Sequential(("pool", nn.AdaptiveAvgPool2d(1)), ("flatten", nn.Flatten()), ("fc", nn.Linear(4, 3)))),
        };
        if (withConv1d)
        {
            parts.Add(("extra", nn.Sequential(("conv1d", nn.Conv1d(2, 2, 1)))));
        }

        return nn.Sequential(parts);
    }

    public static LayerDecision Row(this QuantizationReport report, string name) => report.Layers.Single(l => l.Name == name);

    public static Type TypeAt(this nn.Module model, string name) =>
        model.named_modules().Single(m => m.name == name).module.GetType();

    private static Sequential Block() => nn.Sequential(("conv", nn.Conv2d(4, 4, 3, padding: 1)), ("bn", nn.BatchNorm2d(4)));
}
