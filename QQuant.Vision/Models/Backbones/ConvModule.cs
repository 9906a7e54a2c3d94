using QQuant.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// Convolution, optional batch norm, optional activation, under mmcv's <c>ConvModule</c> child names
/// (<c>conv</c>, <c>bn</c>, <c>activate</c>), so a layer reads <c>backbone.conv1.conv</c> as in the reference.
/// </summary>
internal sealed class ConvModule : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly nn.Module<Tensor, Tensor> conv;
    private readonly nn.Module<Tensor, Tensor>? bn;
    private readonly nn.Module<Tensor, Tensor>? activate;

    /// <summary>
    /// Creates the block. <paramref name="bias"/> null follows mmcv's <c>bias='auto'</c>: a bias only without norm.
    /// </summary>
    public ConvModule(
        int inChannels,
        int outChannels,
        int kernelSize,
        int stride = 1,
        int padding = 0,
        int dilation = 1,
        int groups = 1,
        bool withNorm = true,
        ConvActivation activation = ConvActivation.ReLU,
        bool? bias = null) : base(nameof(ConvModule))
    {
        conv = nn.Conv2d(inChannels, outChannels, kernelSize, stride: stride, padding: padding, dilation: dilation,
            groups: groups, bias: bias ?? !withNorm);
        bn = withNorm ? nn.BatchNorm2d(outChannels) : null;
        activate = activation switch
        {
            ConvActivation.ReLU => nn.ReLU(),
            ConvActivation.ReLU6 => nn.ReLU6(),
            _ => null,
        };
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        Tensor x = conv.call(input);
        if (bn is not null)
        {
            x = bn.call(x);
        }

        return activate is null ? x : activate.call(x);
    }

    /// <inheritdoc />
    public OnnxValue EmitOnnx(OnnxExportContext context, OnnxValue input)
    {
        OnnxValue x = context.Emit("conv", conv, input);
        x = bn is null ? x : context.Emit("bn", bn, x);
        return activate is null ? x : context.Emit("activate", activate, x);
    }
}
