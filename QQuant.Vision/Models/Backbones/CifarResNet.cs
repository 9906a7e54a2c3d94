using QQuant.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// He et al.'s CIFAR ResNet (<c>type: CifarResNet</c>; "Deep Residual Learning", §4.2): a 3x3 stem
/// (<c>conv1</c>, <c>bn1</c>), then three stages <c>layer1</c>..<c>layer3</c> of n <see cref="BasicBlock"/>s with
/// 16, 32 and 64 channels (depth = 6n + 2), the last two starting with stride 2. Shortcuts default to option B
/// (1x1 conv projection, <c>layer2.0.downsample.0</c>), the variant most low-bit CIFAR-10 tables report; option A
/// (parameter-free zero padding) is <c>shortcut: "A"</c>. Kaiming-initialised like the other backbones.
/// </summary>
public sealed class CifarResNet : Backbone, IOnnxExportable
{
    private readonly nn.Module<Tensor, Tensor> conv1;
    private readonly nn.Module<Tensor, Tensor> bn1;
    private readonly nn.Module<Tensor, Tensor> relu;
    private readonly nn.Module<Tensor, Tensor> layer1;
    private readonly nn.Module<Tensor, Tensor> layer2;
    private readonly nn.Module<Tensor, Tensor> layer3;

    private readonly IReadOnlyList<int> _outIndices;
    private readonly int[] _stageChannels;

    /// <summary>Builds the network that <paramref name="options"/> describe.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names its key.</exception>
    public CifarResNet(CifarResNetOptions options) : base(nameof(CifarResNet))
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Depth < 8 || (options.Depth - 2) % 6 != 0)
        {
            throw new ArgumentException(
                $"depth must be 6n + 2 with n >= 1 (20, 32, 44, 56, 110), got {options.Depth}.");
        }

        if (options.InChannels <= 0)
        {
            throw new ArgumentException($"inChannels must be positive, got {options.InChannels}.");
        }

        if (options.BaseChannels <= 0)
        {
            throw new ArgumentException($"baseChannels must be positive, got {options.BaseChannels}.");
        }

        _outIndices = StageOutputs.Validate(options.OutIndices, 3, "the 3 stages");
        InChannels = options.InChannels;
        Shortcut = options.Shortcut;
        int blocks = (options.Depth - 2) / 6;
        int width = options.BaseChannels;
        _stageChannels = [width, width * 2, width * 4];

        conv1 = nn.Conv2d(InChannels, width, 3, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(width);
        relu = nn.ReLU();
        layer1 = MakeStage(blocks, width, _stageChannels[0], 1, options.Shortcut);
        layer2 = MakeStage(blocks, _stageChannels[0], _stageChannels[1], 2, options.Shortcut);
        layer3 = MakeStage(blocks, _stageChannels[1], _stageChannels[2], 2, options.Shortcut);
        RegisterComponents();

        BackboneInit.Kaiming(this);
        if (options.ZeroInitResidual)
        {
            foreach ((string _, nn.Module module) in named_modules())
            {
                if (module is BasicBlock block)
                {
                    BackboneInit.ZeroGamma(block.LastNorm);
                }
            }
        }
    }

    /// <inheritdoc />
    public override int InChannels { get; }

    /// <inheritdoc />
    public override int OutChannels => _stageChannels[_outIndices[^1]];

    /// <summary>The shortcut option the blocks use.</summary>
    public CifarShortcut Shortcut { get; }

    /// <inheritdoc />
    public override IReadOnlyList<Tensor> ForwardFeatures(Tensor input)
    {
        StageOutputs.CheckInput(nameof(CifarResNet), input, InChannels);
        using var scope = NewDisposeScope();
        Tensor x = relu.call(bn1.call(conv1.call(input)));
        var outputs = new StageOutputs(_outIndices);
        nn.Module<Tensor, Tensor>[] stages = [layer1, layer2, layer3];
        for (int i = 0; ; i++)
        {
            x = stages[i].call(x);
            if (outputs.Offer(i, x))
            {
                return outputs.MoveOut(scope);
            }
        }
    }

    private static nn.Module<Tensor, Tensor> MakeStage(int blocks, int inChannels, int outChannels, int stride, CifarShortcut kind)
    {
        var layer = nn.Sequential();
        for (int i = 0; i < blocks; i++)
        {
            nn.Module<Tensor, Tensor>? shortcut = null;
            if (i == 0 && (stride != 1 || inChannels != outChannels))
            {
                shortcut = kind == CifarShortcut.A
                    ? new ChannelPadShortcut(inChannels, outChannels, stride)
                    : nn.Sequential(nn.Conv2d(inChannels, outChannels, 1, stride: stride, bias: false), nn.BatchNorm2d(outChannels));
            }

            layer.append(new BasicBlock(i == 0 ? inChannels : outChannels, outChannels, i == 0 ? stride : 1, 1, shortcut));
        }

        return layer;
    }

    /// <inheritdoc />
    /// <remarks>Writes the stages up to the last of <c>outIndices</c>, whose output a classifier uses.</remarks>
    public OnnxValue EmitOnnx(OnnxExportContext context, OnnxValue input)
    {
        OnnxValue x = context.Emit("relu", relu, context.Emit("bn1", bn1, context.Emit("conv1", conv1, input)));
        return VisionOnnx.Stages(context, x, [("layer1", layer1), ("layer2", layer2), ("layer3", layer3)], _outIndices[^1]);
    }
}
