using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>The weight initialisation that mmcls backbones share.</summary>
internal static class BackboneInit
{
    /// <summary>
    /// mmcv's <c>kaiming_init</c> for every conv (normal, fan-out, ReLU gain, bias 0) and <c>constant_init(bn, 1)</c>
    /// for every batch norm (weight 1, bias 0); with <paramref name="linearStd"/>, linear layers get N(0, std), bias 0.
    /// </summary>
    public static void Kaiming(nn.Module root, double? linearStd = null)
    {
        using var _ = no_grad();
        foreach ((string _, nn.Module module) in root.named_modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    nn.init.kaiming_normal_(conv.weight!, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
                    if (conv.bias is not null)
                    {
                        nn.init.zeros_(conv.bias);
                    }

                    break;
                case BatchNorm2d bn:
                    nn.init.ones_(bn.weight!);
                    nn.init.zeros_(bn.bias!);
                    break;
                case Linear linear when linearStd is { } std:
                    nn.init.normal_(linear.weight!, 0, std);
                    if (linear.bias is not null)
                    {
                        nn.init.zeros_(linear.bias);
                    }

                    break;
            }
        }
    }

    /// <summary>Sets a batch norm's weight (gamma) to zero: a residual block then starts as the identity.</summary>
    public static void ZeroGamma(nn.Module norm)
    {
        if (norm is BatchNorm2d bn)
        {
            using var _ = no_grad();
            nn.init.zeros_(bn.weight!);
        }
    }
}
