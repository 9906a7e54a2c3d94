using QQuant.Export;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// mmcls's <c>MobileNetV2</c> (<c>type: MobileNetV2</c>; Sandler et al. 2018): <c>conv1</c> (3x3 stride 2),
/// seven stages <c>layer1</c>..<c>layer7</c> of inverted residual blocks and <c>conv2</c> (1x1 to 1280 channels), each
/// conv a ConvModule with <c>conv</c>, <c>bn</c> and ReLU6 <c>activate</c> children (<c>backbone.conv1.conv</c>,
/// <c>backbone.layer2.0.conv.1.conv</c>). Channels are <c>widenFactor</c> times the paper's, rounded to multiples of 8.
/// </summary>
/// <remarks>
/// <see cref="MapTorchVisionKey"/> maps torchvision's <c>mobilenet_v2</c> keys (<c>features.0.0.weight</c> →
/// <c>backbone.conv1.conv.weight</c>, <c>features.18.1.*</c> → <c>backbone.conv2.bn.*</c>, <c>classifier.1.*</c> →
/// <c>head.fc.*</c> of a <see cref="LinearClsHead"/>); the shapes match only at <c>widenFactor</c> 1 and 3 channels.
/// </remarks>
public sealed class MobileNetV2 : Backbone, ITorchVisionLayout, IOnnxExportable
{
    // expand ratio, channels, blocks, first stride of each stage (the paper's Table 2).
    private static readonly (int Expand, int Channels, int Blocks, int Stride)[] Stages =
    [
        (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
    ];

    private readonly nn.Module<Tensor, Tensor> conv1;
    private readonly nn.Module<Tensor, Tensor> layer1;
    private readonly nn.Module<Tensor, Tensor> layer2;
    private readonly nn.Module<Tensor, Tensor> layer3;
    private readonly nn.Module<Tensor, Tensor> layer4;
    private readonly nn.Module<Tensor, Tensor> layer5;
    private readonly nn.Module<Tensor, Tensor> layer6;
    private readonly nn.Module<Tensor, Tensor> layer7;
    private readonly nn.Module<Tensor, Tensor> conv2;

    private readonly IReadOnlyList<int> _outIndices;
    private readonly int[] _outputChannels;
    private readonly Dictionary<string, string> _torchVisionModules = [];

    /// <summary>Builds the network that <paramref name="options"/> describe.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names its key.</exception>
    public MobileNetV2(MobileNetV2Options options) : base(nameof(MobileNetV2))
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.WidenFactor > 0) || double.IsInfinity(options.WidenFactor))
        {
            throw new ArgumentException($"widenFactor must be a positive number, got {options.WidenFactor.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (options.InChannels <= 0)
        {
            throw new ArgumentException($"inChannels must be positive, got {options.InChannels}.");
        }

        _outIndices = StageOutputs.Validate(options.OutIndices, 8, "0..6 are layer1..layer7, 7 is conv2");
        CheckFrozenStages(options.FrozenStages, 7);

        InChannels = options.InChannels;
        double widen = options.WidenFactor;

        int channels = MakeDivisible(32 * widen, 8);
        conv1 = new ConvModule(InChannels, channels, 3, stride: 2, padding: 1, activation: ConvActivation.ReLU6);
        _torchVisionModules["features.0.0"] = "conv1.conv";
        _torchVisionModules["features.0.1"] = "conv1.bn";

        _outputChannels = new int[8];
        var layers = new nn.Module<Tensor, Tensor>[7];
        int feature = 1;
        for (int i = 0; i < Stages.Length; i++)
        {
            (int expand, int stageChannels, int blocks, int stride) = Stages[i];
            int outChannels = MakeDivisible(stageChannels * widen, 8);
            var layer = nn.Sequential();
            for (int b = 0; b < blocks; b++)
            {
                layer.append(new InvertedResidual(channels, outChannels, b == 0 ? stride : 1, expand));
                channels = outChannels;
                MapTorchVisionBlock($"features.{feature++}", $"layer{i + 1}.{b}", expand);
            }

            layers[i] = layer;
            _outputChannels[i] = outChannels;
        }

        (layer1, layer2, layer3, layer4, layer5, layer6, layer7) =
            (layers[0], layers[1], layers[2], layers[3], layers[4], layers[5], layers[6]);

        int last = widen > 1.0 ? (int)(1280 * widen) : 1280;
        conv2 = new ConvModule(channels, last, 1, activation: ConvActivation.ReLU6);
        _outputChannels[7] = last;
        _torchVisionModules[$"features.{feature}.0"] = "conv2.conv";
        _torchVisionModules[$"features.{feature}.1"] = "conv2.bn";
        RegisterComponents();

        BackboneInit.Kaiming(this);
        SetFrozenStages(options.FrozenStages, options.NormEval);
    }

    /// <inheritdoc />
    public override int InChannels { get; }

    /// <inheritdoc />
    public override int OutChannels => _outputChannels[_outIndices[^1]];

    /// <inheritdoc />
    public override IReadOnlyList<Tensor> ForwardFeatures(Tensor input)
    {
        StageOutputs.CheckInput(nameof(MobileNetV2), input, InChannels);
        using var scope = NewDisposeScope();
        Tensor x = conv1.call(input);
        var outputs = new StageOutputs(_outIndices);
        nn.Module<Tensor, Tensor>[] stages = Layers;
        for (int i = 0; ; i++)
        {
            x = stages[i].call(x);
            if (outputs.Offer(i, x))
            {
                return outputs.MoveOut(scope);
            }
        }
    }

    /// <inheritdoc />
    public string? MapTorchVisionKey(string torchVisionKey)
    {
        ArgumentNullException.ThrowIfNull(torchVisionKey);
        int dot = torchVisionKey.LastIndexOf('.');
        if (dot <= 0)
        {
            return null;
        }

        string module = torchVisionKey[..dot];
        string tensor = torchVisionKey[dot..];
        if (module == "classifier.1")
        {
            return "head.fc" + tensor;
        }

        return _torchVisionModules.TryGetValue(module, out string? ours) ? "backbone." + ours + tensor : null;
    }

    /// <summary>mmcv's <c>make_divisible</c>: the nearest multiple of <paramref name="divisor"/>, never below 90 % of the value.</summary>
    private static int MakeDivisible(double value, int divisor)
    {
        int rounded = Math.Max(divisor, (int)(value + divisor / 2.0) / divisor * divisor);
        return rounded < 0.9 * value ? rounded + divisor : rounded;
    }

    private void MapTorchVisionBlock(string torchVision, string ours, int expand)
    {
        // torchvision: [expand: conv.0.0/.1], depthwise conv.k.0/.1, projection conv and norm as two flat entries.
        int k = 0;
        if (expand != 1)
        {
            _torchVisionModules[$"{torchVision}.conv.0.0"] = $"{ours}.conv.0.conv";
            _torchVisionModules[$"{torchVision}.conv.0.1"] = $"{ours}.conv.0.bn";
            k = 1;
        }

        _torchVisionModules[$"{torchVision}.conv.{k}.0"] = $"{ours}.conv.{k}.conv";
        _torchVisionModules[$"{torchVision}.conv.{k}.1"] = $"{ours}.conv.{k}.bn";
        _torchVisionModules[$"{torchVision}.conv.{k + 1}"] = $"{ours}.conv.{k + 1}.conv";
        _torchVisionModules[$"{torchVision}.conv.{k + 2}"] = $"{ours}.conv.{k + 1}.bn";
    }

    // The eight outputs outIndices counts; frozenStages counts only the first seven.
    private nn.Module<Tensor, Tensor>[] Layers => [layer1, layer2, layer3, layer4, layer5, layer6, layer7, conv2];

    /// <summary><c>conv1</c>.</summary>
    protected override IEnumerable<nn.Module?> StemModules() => [conv1];

    /// <summary><c>layer1</c>..<c>layer7</c>.</summary>
    protected override IEnumerable<nn.Module?> StageModules(int stage) => [Layers[stage]];

    /// <inheritdoc />
    /// <remarks>Writes the stages up to the last of <c>outIndices</c>, whose output a classifier uses.</remarks>
    public OnnxValue EmitOnnx(OnnxExportContext context, OnnxValue input) =>
        VisionOnnx.Stages(
            context,
            context.Emit("conv1", conv1, input),
            [("layer1", layer1), ("layer2", layer2), ("layer3", layer3), ("layer4", layer4), ("layer5", layer5), ("layer6", layer6), ("layer7", layer7), ("conv2", conv2)],
            _outIndices[^1]);
}
