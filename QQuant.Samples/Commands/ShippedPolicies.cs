using QQuant.Quantizers;
using TorchSharp.Modules;

namespace QQuant.Samples.Commands;

/// <summary>The policy shape the shipped configs use, for the commands that build it in code.</summary>
internal static class ShippedPolicies
{
    /// <summary>
    /// <paramref name="conv"/> for every Conv2d, with the first conv and the fc at 8 bits (the first conv's input, the
    /// image, left float), as the shipped configs and the quickstart quantize.
    /// </summary>
    public static QuantPolicy WithEightBitEnds(Func<TypeRuleBuilder, QuantPolicyBuilder> conv) =>
        conv(QuantPolicy.For<Conv2d>())
            .Override("backbone.conv1", r => r.Use<EightBitConv>(w: 8, a: 8, o => o.QuantizeInput = false))
            .Override("head.fc", r => r.Use<EightBitLinear>(w: 8, a: 8))
            .Build();
}
