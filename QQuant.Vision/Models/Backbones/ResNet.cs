using QQuant.Export;
using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// mmcls's <c>ResNet</c> (<c>type: ResNet</c>): a stem, then up to four stages <c>layer1</c>..<c>layer4</c> of
/// <see cref="BasicBlock"/>s (depth 18, 34) or bottlenecks (50, 101, 152), with mmcls's module names
/// (<c>conv1</c>, <c>bn1</c>, <c>layer1.0.conv1</c>, <c>layer2.0.downsample.0</c>), so reference special-layer
/// names such as <c>backbone.layer1.0.conv1</c> work. Convs are kaiming-initialised (fan-out), norms get weight 1
/// and bias 0.
/// </summary>
/// <remarks>
/// <see cref="MapTorchVisionKey"/> maps torchvision's <c>resnet18</c>..<c>resnet152</c> keys onto an
/// <see cref="ImageClassifier"/> with this backbone and a <see cref="LinearClsHead"/> (<c>fc.*</c> →
/// <c>head.fc.*</c>); keys of a stem or shortcut this backbone does not have map to null.
/// </remarks>
public class ResNet : Backbone, ITorchVisionLayout, IOnnxExportable
{
    private static readonly Dictionary<int, (bool Bottleneck, int[] Blocks)> Architectures = new()
    {
        [18] = (false, [2, 2, 2, 2]),
        [34] = (false, [3, 4, 6, 3]),
        [50] = (true, [3, 4, 6, 3]),
        [101] = (true, [3, 4, 23, 3]),
        [152] = (true, [3, 8, 36, 3]),
    };

    private static readonly Regex ShortcutKey = new(@"^(layer\d+\.\d+\.downsample\.)(\d+)(\..+)$", RegexOptions.CultureInvariant);

    private readonly nn.Module<Tensor, Tensor>? stem;
    private readonly nn.Module<Tensor, Tensor>? conv1;
    private readonly nn.Module<Tensor, Tensor>? bn1;
    private readonly nn.Module<Tensor, Tensor>? relu;
    private readonly nn.Module<Tensor, Tensor>? maxpool;
    private readonly nn.Module<Tensor, Tensor>? layer1;
    private readonly nn.Module<Tensor, Tensor>? layer2;
    private readonly nn.Module<Tensor, Tensor>? layer3;
    private readonly nn.Module<Tensor, Tensor>? layer4;

    private readonly IReadOnlyList<int> _outIndices;
    private readonly int[] _stageChannels;
    private readonly bool _avgDown;
    private HashSet<string>? _ownKeys;

    /// <summary>Builds the ResNet that <paramref name="options"/> describe.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names its key.</exception>
    public ResNet(ResNetOptions options) : this(options, nameof(ResNet), ResNetStem.Standard)
    {
    }

    private protected ResNet(ResNetOptions options, string name, ResNetStem stemKind) : base(name)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Architectures.TryGetValue(options.Depth, out var architecture))
        {
            throw new ArgumentException(
                $"depth must be one of {string.Join(", ", Architectures.Keys)}, got {options.Depth}.");
        }

        Positive(options.InChannels, "inChannels");
        Positive(options.StemChannels, "stemChannels");
        Positive(options.BaseChannels, "baseChannels");
        int stages = options.NumStages;
        if (stages is < 1 or > 4)
        {
            throw new ArgumentException($"numStages must be 1..4, got {stages}.");
        }

        int[] strides = StageList(options.Strides, [1, 2, 2, 2], stages, "strides");
        int[] dilations = StageList(options.Dilations, [1, 1, 1, 1], stages, "dilations");
        _outIndices = StageOutputs.Validate(options.OutIndices, stages, $"the {stages} stages");
        CheckFrozenStages(options.FrozenStages, stages, "numStages");

        bool deepStem = options.DeepStem ?? stemKind == ResNetStem.Deep;
        if (deepStem && stemKind == ResNetStem.Cifar)
        {
            throw new ArgumentException("deepStem: ResNet_CIFAR has a single 3x3 stem conv; remove deepStem or use ResNet.");
        }

        if (deepStem)
        {
            stemKind = ResNetStem.Deep;
        }

        InChannels = options.InChannels;
        _avgDown = options.AvgDown ?? false;

        int stemChannels = options.StemChannels;
        if (stemKind == ResNetStem.Deep)
        {
            int half = stemChannels / 2;
            Positive(half, "stemChannels / 2 (the deep stem's width)");
            stem = nn.Sequential(
                new ConvModule(InChannels, half, 3, stride: 2, padding: 1),
                new ConvModule(half, half, 3, padding: 1),
                new ConvModule(half, stemChannels, 3, padding: 1));
        }
        else
        {
            conv1 = stemKind == ResNetStem.Cifar
                ? nn.Conv2d(InChannels, stemChannels, 3, stride: 1, padding: 1, bias: false)
                : nn.Conv2d(InChannels, stemChannels, 7, stride: 2, padding: 3, bias: false);
            bn1 = nn.BatchNorm2d(stemChannels);
            relu = nn.ReLU();
        }

        if (stemKind != ResNetStem.Cifar)
        {
            maxpool = nn.MaxPool2d(3, stride: 2, padding: 1);
        }

        int expansion = architecture.Bottleneck ? Bottleneck.Expansion : 1;
        _stageChannels = new int[stages];
        var layers = new nn.Module<Tensor, Tensor>[stages];
        int inChannels = stemChannels;
        for (int i = 0; i < stages; i++)
        {
            int outChannels = options.BaseChannels * expansion << i;
            layers[i] = MakeStage(architecture.Bottleneck, architecture.Blocks[i], inChannels, outChannels, strides[i],
                dilations[i], options.Style, _avgDown);
            _stageChannels[i] = outChannels;
            inChannels = outChannels;
        }

        layer1 = layers[0];
        layer2 = stages > 1 ? layers[1] : null;
        layer3 = stages > 2 ? layers[2] : null;
        layer4 = stages > 3 ? layers[3] : null;
        RegisterComponents();

        BackboneInit.Kaiming(this);
        if (options.ZeroInitResidual)
        {
            foreach ((string _, nn.Module module) in named_modules())
            {
                if (module is BasicBlock basic)
                {
                    BackboneInit.ZeroGamma(basic.LastNorm);
                }
                else if (module is Bottleneck bottleneck)
                {
                    BackboneInit.ZeroGamma(bottleneck.LastNorm);
                }
            }
        }

        SetFrozenStages(options.FrozenStages, options.NormEval);
    }

    /// <inheritdoc />
    public override int InChannels { get; }

    /// <inheritdoc />
    public override int OutChannels => _stageChannels[_outIndices[^1]];

    /// <summary>The stages whose outputs <see cref="ForwardFeatures"/> returns, in that order.</summary>
    public IReadOnlyList<int> OutIndices => _outIndices;

    /// <summary>The output channels of each stage.</summary>
    public IReadOnlyList<int> StageChannels => _stageChannels;

    /// <inheritdoc />
    public override IReadOnlyList<Tensor> ForwardFeatures(Tensor input)
    {
        StageOutputs.CheckInput(GetName(), input, InChannels);
        using var scope = NewDisposeScope();
        Tensor x = stem is not null ? stem.call(input) : relu!.call(bn1!.call(conv1!.call(input)));
        if (maxpool is not null)
        {
            x = maxpool.call(x);
        }

        var outputs = new StageOutputs(_outIndices);
        nn.Module<Tensor, Tensor>?[] stages = Layers;
        for (int i = 0; ; i++)
        {
            x = stages[i]!.call(x);
            if (outputs.Offer(i, x))
            {
                return outputs.MoveOut(scope);
            }
        }
    }

    /// <inheritdoc />
    public virtual string? MapTorchVisionKey(string torchVisionKey)
    {
        ArgumentNullException.ThrowIfNull(torchVisionKey);
        if (torchVisionKey.StartsWith("fc.", StringComparison.Ordinal))
        {
            return "head." + torchVisionKey;
        }

        string key = torchVisionKey;
        Match shortcut = ShortcutKey.Match(key);
        if (_avgDown && shortcut.Success)
        {
            // The average pool takes index 0 of the shortcut, so torchvision's conv and norm move up by one.
            int index = int.Parse(shortcut.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) + 1;
            key = shortcut.Groups[1].Value + index + shortcut.Groups[3].Value;
        }

        _ownKeys ??= named_parameters().Select(p => p.name).Concat(named_buffers().Select(b => b.name)).ToHashSet();
        return _ownKeys.Contains(key) ? "backbone." + key : null;
    }

    private nn.Module<Tensor, Tensor>?[] Layers => [layer1, layer2, layer3, layer4];

    /// <summary>The deep <c>stem</c>, or <c>conv1</c> and <c>bn1</c>.</summary>
    protected override IEnumerable<nn.Module?> StemModules() => [stem, conv1, bn1];

    /// <summary><c>layer1</c>..<c>layer4</c>.</summary>
    protected override IEnumerable<nn.Module?> StageModules(int stage) => [Layers[stage]];

    private static nn.Module<Tensor, Tensor> MakeStage(bool bottleneck, int blocks, int inChannels, int outChannels,
        int stride, int dilation, ResNetStyle style, bool avgDown)
    {
        nn.Module<Tensor, Tensor>? downsample = null;
        if (stride != 1 || inChannels != outChannels)
        {
            var shortcut = new List<nn.Module<Tensor, Tensor>>();
            int convStride = stride;
            if (avgDown && stride != 1)
            {
                convStride = 1;
                shortcut.Add(nn.AvgPool2d(stride, stride: stride, ceil_mode: true, count_include_pad: false));
            }

            shortcut.Add(nn.Conv2d(inChannels, outChannels, 1, stride: convStride, bias: false));
            shortcut.Add(nn.BatchNorm2d(outChannels));
            downsample = nn.Sequential(shortcut);
        }

        var layer = nn.Sequential();
        for (int i = 0; i < blocks; i++)
        {
            int blockIn = i == 0 ? inChannels : outChannels;
            int blockStride = i == 0 ? stride : 1;
            nn.Module<Tensor, Tensor>? blockShortcut = i == 0 ? downsample : null;
            layer.append(bottleneck
                ? new Bottleneck(blockIn, outChannels, blockStride, dilation, style, blockShortcut)
                : new BasicBlock(blockIn, outChannels, blockStride, dilation, blockShortcut));
        }

        return layer;
    }

    private static int[] StageList(IReadOnlyList<int>? given, int[] defaults, int stages, string key)
    {
        if (given is null)
        {
            return defaults[..stages];
        }

        if (given.Count != stages)
        {
            throw new ArgumentException(
                $"{key} must have one entry per stage ({stages}, numStages), got {given.Count}: [{string.Join(", ", given)}].");
        }

        if (given.Any(v => v < 1))
        {
            throw new ArgumentException($"{key} must be positive, got [{string.Join(", ", given)}].");
        }

        return given.ToArray();
    }

    private static void Positive(int value, string key)
    {
        if (value <= 0)
        {
            throw new ArgumentException($"{key} must be positive, got {value}.");
        }
    }

    /// <inheritdoc />
    /// <remarks>Writes the stages up to the last of <c>outIndices</c>, whose output a classifier uses.</remarks>
    public OnnxValue EmitOnnx(OnnxExportContext context, OnnxValue input)
    {
        OnnxValue x = stem is not null
            ? context.Emit("stem", stem, input)
            : context.Emit("relu", relu!, context.Emit("bn1", bn1!, context.Emit("conv1", conv1!, input)));
        x = maxpool is null ? x : context.Emit("maxpool", maxpool, x);
        return VisionOnnx.Stages(context, x, [("layer1", layer1), ("layer2", layer2), ("layer3", layer3), ("layer4", layer4)], _outIndices[^1]);
    }
}
