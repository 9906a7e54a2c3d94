using QQuant.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// MobileNetV2's block, named as mmcls's <c>InvertedResidual</c>: <c>conv</c> holds an optional 1x1 expansion, a 3x3
/// depthwise conv and a linear 1x1 projection, each a <see cref="ConvModule"/> (<c>conv.0.conv</c>,
/// <c>conv.0.bn</c>, ...); the input is added back when stride is 1 and the channels match.
/// </summary>
internal sealed class InvertedResidual : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly nn.Module<Tensor, Tensor> conv;
    private readonly bool _residual;

    public InvertedResidual(int inChannels, int outChannels, int stride, int expandRatio) : base(nameof(InvertedResidual))
    {
        int hidden = (int)Math.Round((double)inChannels * expandRatio, MidpointRounding.ToEven);
        _residual = stride == 1 && inChannels == outChannels;
        var layers = new List<nn.Module<Tensor, Tensor>>();
        if (expandRatio != 1)
        {
            layers.Add(new ConvModule(inChannels, hidden, 1, activation: ConvActivation.ReLU6));
        }

        layers.Add(new ConvModule(hidden, hidden, 3, stride: stride, padding: 1, groups: hidden, activation: ConvActivation.ReLU6));
        layers.Add(new ConvModule(hidden, outChannels, 1, activation: ConvActivation.None));
        conv = nn.Sequential(layers);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => _residual ? input + conv.call(input) : conv.call(input);

    /// <inheritdoc />
    public OnnxValue EmitOnnx(OnnxExportContext context, OnnxValue input)
    {
        OnnxValue x = context.Emit("conv", conv, input);
        return _residual ? VisionOnnx.Add(context, input, x) : x;
    }
}
