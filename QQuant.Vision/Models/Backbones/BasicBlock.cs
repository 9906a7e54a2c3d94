using QQuant.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// Two 3x3 convs with a shortcut (ResNet-18/34, CIFAR ResNets), children named as mmcls's
/// <c>BasicBlock</c>: <c>conv1</c>, <c>bn1</c>, <c>conv2</c>, <c>bn2</c>, <c>relu</c>, <c>downsample</c>.
/// </summary>
internal sealed class BasicBlock : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly nn.Module<Tensor, Tensor> conv1;
    private readonly nn.Module<Tensor, Tensor> bn1;
    private readonly nn.Module<Tensor, Tensor> conv2;
    private readonly nn.Module<Tensor, Tensor> bn2;
    private readonly nn.Module<Tensor, Tensor> relu;
    private readonly nn.Module<Tensor, Tensor>? downsample;

    public BasicBlock(int inChannels, int outChannels, int stride, int dilation, nn.Module<Tensor, Tensor>? downsample)
        : base(nameof(BasicBlock))
    {
        conv1 = nn.Conv2d(inChannels, outChannels, 3, stride: stride, padding: dilation, dilation: dilation, bias: false);
        bn1 = nn.BatchNorm2d(outChannels);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(outChannels);
        relu = nn.ReLU();
        this.downsample = downsample;
        RegisterComponents();
    }

    /// <summary>The norm that closes the residual branch (zeroed by <c>zeroInitResidual</c>).</summary>
    public nn.Module LastNorm => bn2;

    public override Tensor forward(Tensor input)
    {
        Tensor x = relu.call(bn1.call(conv1.call(input)));
        x = bn2.call(conv2.call(x));
        Tensor identity = downsample is null ? input : downsample.call(input);
        return relu.call(x + identity);
    }

    /// <inheritdoc />
    public OnnxValue EmitOnnx(OnnxExportContext context, OnnxValue input)
    {
        OnnxValue x = context.Emit("relu", relu, context.Emit("bn1", bn1, context.Emit("conv1", conv1, input)));
        x = context.Emit("bn2", bn2, context.Emit("conv2", conv2, x));
        OnnxValue identity = downsample is null ? input : context.Emit("downsample", downsample, input);
        return context.Emit("relu", relu, VisionOnnx.Add(context, x, identity));
    }
}
