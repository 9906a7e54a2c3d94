using QQuant.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// mmcls's <c>VGG</c> (<c>type: VGG</c>; Simonyan and Zisserman 2015): one flat <c>features</c> sequence of 3x3
/// ConvModules (<c>features.N.conv</c>, <c>features.N.bn</c> with <c>withNorm</c>, <c>features.N.activate</c>) and
/// 2x2 max pools, five stages of 64, 128, 256, 512, 512 channels; with <c>numClasses</c> &gt; 0 also mmcls's
/// <c>classifier</c> (<c>classifier.0</c>, <c>.3</c>, <c>.6</c> linear layers after a 7x7 adaptive average pool).
/// Convs are kaiming-initialised, norms 1/0, linear layers N(0, 0.01).
/// </summary>
/// <remarks>
/// The 7x7 adaptive pool before the classifier is torchvision's, not mmcls's (mmcls assumes 224x224 input, where the
/// pool changes nothing); it has no parameters. <see cref="MapTorchVisionKey"/> maps torchvision's
/// <c>vgg11</c>..<c>vgg19_bn</c> keys (<c>features.1.running_mean</c> of vgg11_bn → <c>backbone.features.0.bn.running_mean</c>,
/// <c>classifier.0.weight</c> → <c>backbone.classifier.0.weight</c>); without a classifier (<c>numClasses</c> -1) the
/// <c>classifier.*</c> keys map to null: the head's <c>fc</c> takes pooled 512-channel features, not 4096.
/// </remarks>
public sealed class VGG : Backbone, ITorchVisionLayout, IOnnxExportable
{
    private static readonly Dictionary<int, int[]> Architectures = new()
    {
        [11] = [1, 1, 2, 2, 2],
        [13] = [2, 2, 2, 2, 2],
        [16] = [2, 2, 3, 3, 3],
        [19] = [2, 2, 4, 4, 4],
    };

    private readonly nn.Module<Tensor, Tensor> features;
    private readonly nn.Module<Tensor, Tensor>? avgpool;
    private readonly nn.Module<Tensor, Tensor>? classifier;

    private readonly IReadOnlyList<int> _outIndices;
    private readonly (int Start, int End)[] _stageRanges;
    private readonly int[] _stageChannels;
    private readonly int _numClasses;
    private readonly Dictionary<string, string> _torchVisionModules = [];

    /// <summary>Builds the network that <paramref name="options"/> describe.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names its key.</exception>
    public VGG(VGGOptions options) : base(nameof(VGG))
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!Architectures.TryGetValue(options.Depth, out int[]? blocks))
        {
            throw new ArgumentException($"depth must be one of {string.Join(", ", Architectures.Keys)}, got {options.Depth}.");
        }

        int stages = options.NumStages;
        if (stages is < 1 or > 5)
        {
            throw new ArgumentException($"numStages must be 1..5, got {stages}.");
        }

        if (options.InChannels <= 0)
        {
            throw new ArgumentException($"inChannels must be positive, got {options.InChannels}.");
        }

        if (options.NumClasses == 0 || options.NumClasses < -1)
        {
            throw new ArgumentException($"numClasses must be positive, or -1 for no classifier, got {options.NumClasses}.");
        }

        _outIndices = StageOutputs.Validate(options.OutIndices ?? [stages - 1], stages, $"the {stages} stages");
        CheckFrozenStages(options.FrozenStages, stages, "numStages");

        InChannels = options.InChannels;
        _numClasses = options.NumClasses;

        var layers = new List<nn.Module<Tensor, Tensor>>();
        _stageRanges = new (int, int)[stages];
        _stageChannels = new int[stages];
        int channels = InChannels;
        int torchVision = 0;
        for (int i = 0; i < stages; i++)
        {
            int start = layers.Count;
            int outChannels = i < 4 ? 64 << i : 512;
            for (int b = 0; b < blocks[i]; b++)
            {
                _torchVisionModules[$"features.{torchVision}"] = $"features.{layers.Count}.conv";
                if (options.WithNorm)
                {
                    _torchVisionModules[$"features.{torchVision + 1}"] = $"features.{layers.Count}.bn";
                }

                torchVision += options.WithNorm ? 3 : 2;
                layers.Add(new ConvModule(channels, outChannels, 3, padding: 1, withNorm: options.WithNorm, bias: true));
                channels = outChannels;
            }

            if (i < stages - 1 || options.WithLastPool)
            {
                layers.Add(nn.MaxPool2d(2, stride: 2, ceil_mode: options.CeilMode));
                torchVision++;
            }

            _stageRanges[i] = (start, layers.Count);
            _stageChannels[i] = outChannels;
        }

        features = nn.Sequential(layers);
        if (_numClasses > 0)
        {
            avgpool = nn.AdaptiveAvgPool2d([7, 7]);
            classifier = nn.Sequential(
                nn.Linear(channels * 7 * 7, 4096), nn.ReLU(), nn.Dropout(),
                nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(),
                nn.Linear(4096, _numClasses));
            foreach (int index in new[] { 0, 3, 6 })
            {
                _torchVisionModules[$"classifier.{index}"] = $"classifier.{index}";
            }
        }

        RegisterComponents();
        BackboneInit.Kaiming(this, linearStd: 0.01);
        SetFrozenStages(options.FrozenStages, options.NormEval);
    }

    /// <inheritdoc />
    public override int InChannels { get; }

    /// <summary>The channels of the last output: the last listed stage's, or <c>numClasses</c> with a classifier.</summary>
    public override int OutChannels => _numClasses > 0 ? _numClasses : _stageChannels[_outIndices[^1]];

    /// <summary>Stage outputs at <c>outIndices</c>, then the classifier's logits when the backbone has one.</summary>
    public override IReadOnlyList<Tensor> ForwardFeatures(Tensor input)
    {
        StageOutputs.CheckInput(nameof(VGG), input, InChannels);
        using var scope = NewDisposeScope();
        var sequence = (TorchSharp.Modules.Sequential)features;
        var outputs = new List<Tensor>();
        var stageOutputs = new Dictionary<int, Tensor>();
        int lastStage = classifier is null ? _outIndices.Max() : _stageRanges.Length - 1;
        Tensor x = input;
        for (int i = 0; i <= lastStage; i++)
        {
            for (int j = _stageRanges[i].Start; j < _stageRanges[i].End; j++)
            {
                x = sequence[j].call(x);
            }

            stageOutputs[i] = x;
        }

        outputs.AddRange(_outIndices.Select(i => stageOutputs[i]));
        if (classifier is not null)
        {
            outputs.Add(classifier.call(avgpool!.call(x).flatten(1)));
        }

        scope.MoveToOuter(outputs);
        return outputs;
    }

    /// <inheritdoc />
    public string? MapTorchVisionKey(string torchVisionKey)
    {
        ArgumentNullException.ThrowIfNull(torchVisionKey);
        int dot = torchVisionKey.LastIndexOf('.');
        return dot > 0 && _torchVisionModules.TryGetValue(torchVisionKey[..dot], out string? ours)
            ? "backbone." + ours + torchVisionKey[dot..]
            : null;
    }

    /// <summary>The stage's convs and its max pool in <c>features</c>; VGG has no stem.</summary>
    protected override IEnumerable<nn.Module?> StageModules(int stage)
    {
        var sequence = (TorchSharp.Modules.Sequential)features;
        for (int j = _stageRanges[stage].Start; j < _stageRanges[stage].End; j++)
        {
            yield return (nn.Module)sequence[j];
        }
    }

    /// <inheritdoc />
    /// <remarks>Writes the stages up to the last of <c>outIndices</c>, or all of them and the classifier when the backbone has one.</remarks>
    public OnnxValue EmitOnnx(OnnxExportContext context, OnnxValue input)
    {
        var sequence = (TorchSharp.Modules.Sequential)features;
        int lastStage = classifier is null ? _outIndices[^1] : _stageRanges.Length - 1;
        OnnxValue x = input;
        for (int j = 0; j < _stageRanges[lastStage].End; j++)
        {
            x = context.Emit($"features.{j}", (nn.Module)sequence[j], x);
        }

        return classifier is null ? x : context.Emit("classifier", classifier, VisionOnnx.Flatten(context, context.Emit("avgpool", avgpool!, x)));
    }
}
