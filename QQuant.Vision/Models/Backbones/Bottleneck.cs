using QQuant.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// 1x1 reduce, 3x3, 1x1 expand (x4) with a shortcut (ResNet-50/101/152), children named as mmcls's
/// <c>Bottleneck</c>: <c>conv1</c>..<c>conv3</c>, <c>bn1</c>..<c>bn3</c>, <c>relu</c>, <c>downsample</c>.
/// </summary>
internal sealed class Bottleneck : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    /// <summary>Output channels over middle channels.</summary>
    public const int Expansion = 4;

    private readonly nn.Module<Tensor, Tensor> conv1;
    private readonly nn.Module<Tensor, Tensor> bn1;
    private readonly nn.Module<Tensor, Tensor> conv2;
    private readonly nn.Module<Tensor, Tensor> bn2;
    private readonly nn.Module<Tensor, Tensor> conv3;
    private readonly nn.Module<Tensor, Tensor> bn3;
    private readonly nn.Module<Tensor, Tensor> relu;
    private readonly nn.Module<Tensor, Tensor>? downsample;

    public Bottleneck(int inChannels, int outChannels, int stride, int dilation, ResNetStyle style,
        nn.Module<Tensor, Tensor>? downsample) : base(nameof(Bottleneck))
    {
        int mid = outChannels / Expansion;
        int stride1 = style == ResNetStyle.Caffe ? stride : 1;
        int stride2 = style == ResNetStyle.Caffe ? 1 : stride;
        conv1 = nn.Conv2d(inChannels, mid, 1, stride: stride1, bias: false);
        bn1 = nn.BatchNorm2d(mid);
        conv2 = nn.Conv2d(mid, mid, 3, stride: stride2, padding: dilation, dilation: dilation, bias: false);
        bn2 = nn.BatchNorm2d(mid);
        conv3 = nn.Conv2d(mid, outChannels, 1, bias: false);
        bn3 = nn.BatchNorm2d(outChannels);
        relu = nn.ReLU();
        this.downsample = downsample;
        RegisterComponents();
    }

    /// <summary>The norm that closes the residual branch (zeroed by <c>zeroInitResidual</c>).</summary>
    public nn.Module LastNorm => bn3;

    public override Tensor forward(Tensor input)
    {
        Tensor x = relu.call(bn1.call(conv1.call(input)));
        x = relu.call(bn2.call(conv2.call(x)));
        x = bn3.call(conv3.call(x));
        Tensor identity = downsample is null ? input : downsample.call(input);
        return relu.call(x + identity);
    }

    /// <inheritdoc />
    public OnnxValue EmitOnnx(OnnxExportContext context, OnnxValue input)
    {
        OnnxValue x = context.Emit("relu", relu, context.Emit("bn1", bn1, context.Emit("conv1", conv1, input)));
        x = context.Emit("relu", relu, context.Emit("bn2", bn2, context.Emit("conv2", conv2, x)));
        x = context.Emit("bn3", bn3, context.Emit("conv3", conv3, x));
        OnnxValue identity = downsample is null ? input : context.Emit("downsample", downsample, input);
        return context.Emit("relu", relu, VisionOnnx.Add(context, x, identity));
    }
}
