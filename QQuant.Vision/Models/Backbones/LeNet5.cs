using QQuant.Export;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Vision;

/// <summary>
/// mmcls's <c>LeNet5</c> (<c>type: LeNet5</c>; LeCun et al. 1998) for 32x32 images: <c>features</c> (5x5 convs
/// <c>features.0</c>, <c>.3</c>, <c>.6</c> with 6, 16, 120 channels, tanh, 2x2 average pools) gives
/// <c>[N, 120, 1, 1]</c>; with <c>numClasses</c> &gt; 0, <c>classifier</c> (<c>classifier.0</c> 120→84, tanh,
/// <c>classifier.2</c> 84→classes) gives <c>[N, classes]</c>. Layers keep TorchSharp's default initialisation, as
/// mmcls's do.
/// </summary>
public sealed class LeNet5 : Backbone, IOnnxExportable
{
    private readonly nn.Module<Tensor, Tensor> features;
    private readonly nn.Module<Tensor, Tensor>? classifier;
    private readonly int _numClasses;

    /// <summary>Builds the network that <paramref name="options"/> describe.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names its key.</exception>
    public LeNet5(LeNet5Options options) : base(nameof(LeNet5))
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.NumClasses == 0 || options.NumClasses < -1)
        {
            throw new ArgumentException($"numClasses must be positive, or -1 for no classifier, got {options.NumClasses}.");
        }

        if (options.InChannels <= 0)
        {
            throw new ArgumentException($"inChannels must be positive, got {options.InChannels}.");
        }

        InChannels = options.InChannels;
        _numClasses = options.NumClasses;
        features = nn.Sequential(
            nn.Conv2d(InChannels, 6, 5), nn.Tanh(), nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
            nn.Conv2d(16, 120, 5), nn.Tanh());
        if (_numClasses > 0)
        {
            classifier = nn.Sequential(nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, _numClasses));
        }

        RegisterComponents();
    }

    /// <inheritdoc />
    public override int InChannels { get; }

    /// <summary>120 feature channels, or <c>numClasses</c> with the classifier.</summary>
    public override int OutChannels => _numClasses > 0 ? _numClasses : 120;

    /// <inheritdoc />
    public override IReadOnlyList<Tensor> ForwardFeatures(Tensor input) => [forward(input)];

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        StageOutputs.CheckInput(nameof(LeNet5), input, InChannels);
        using var scope = NewDisposeScope();
        Tensor x = features.call(input);
        if (classifier is not null)
        {
            x = classifier.call(x.flatten(1));
        }

        return x.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public OnnxValue EmitOnnx(OnnxExportContext context, OnnxValue input)
    {
        OnnxValue x = context.Emit("features", features, input);
        return classifier is null ? x : context.Emit("classifier", classifier, VisionOnnx.Flatten(context, x));
    }
}
