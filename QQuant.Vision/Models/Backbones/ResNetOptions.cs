namespace QQuant.Vision;

/// <summary>
/// Options of <see cref="ResNet"/> (<c>type: ResNet</c>), <see cref="ResNetV1d"/> (<c>ResNetV1d</c>) and
/// <see cref="ResNetCifar"/> (<c>ResNet_CIFAR</c>): mmcls's <c>ResNet</c> arguments in camelCase
/// (<c>out_indices</c> binds too).
/// </summary>
public sealed class ResNetOptions
{
    /// <summary>18 or 34 (basic blocks), 50, 101 or 152 (bottlenecks); required.</summary>
    public int Depth { get; set; }

    /// <summary>Image channels (<c>in_channels</c>, default 3; 1 for grey images such as Fashion-MNIST).</summary>
    public int InChannels { get; set; } = 3;

    /// <summary>Channels after the stem (<c>stem_channels</c>, default 64).</summary>
    public int StemChannels { get; set; } = 64;

    /// <summary>Middle channels of the first stage's blocks (<c>base_channels</c>, default 64); doubled per stage.</summary>
    public int BaseChannels { get; set; } = 64;

    /// <summary>How many of the four stages to build (<c>num_stages</c>, 1..4, default 4).</summary>
    public int NumStages { get; set; } = 4;

    /// <summary>The first block's stride in each stage (default [1, 2, 2, 2] cut to <see cref="NumStages"/>).</summary>
    public IReadOnlyList<int>? Strides { get; set; }

    /// <summary>The dilation of each stage's 3x3 convs (default all 1).</summary>
    public IReadOnlyList<int>? Dilations { get; set; }

    /// <summary>The stages whose outputs <see cref="Backbone.ForwardFeatures"/> returns (<c>out_indices</c>, default [3]).</summary>
    public IReadOnlyList<int> OutIndices { get; set; } = [3];

    /// <summary><c>pytorch</c> (stride on the 3x3 conv, default) or <c>caffe</c> (stride on the first 1x1 conv).</summary>
    public ResNetStyle Style { get; set; } = ResNetStyle.Pytorch;

    /// <summary>
    /// Three 3x3 convs (<c>stem.0</c>..<c>stem.2</c>) instead of the 7x7 <c>conv1</c> (<c>deep_stem</c>); unset means
    /// the type's own choice (false for ResNet, true for ResNetV1d, which refuses false; ResNet_CIFAR refuses true).
    /// </summary>
    public bool? DeepStem { get; set; }

    /// <summary>
    /// An average pool before a strided shortcut's 1x1 conv, which then has stride 1 (<c>avg_down</c>); unset means the
    /// type's own choice (false, true for ResNetV1d, which refuses false).
    /// </summary>
    public bool? AvgDown { get; set; }

    /// <summary>
    /// Freezes the stem and the first this-many stages (<c>frozen_stages</c>, -1 none, the default): no gradients and
    /// batch norms kept in eval mode even during training.
    /// </summary>
    public int FrozenStages { get; set; } = -1;

    /// <summary>Keeps every batch norm in eval mode during training (<c>norm_eval</c>, default false).</summary>
    public bool NormEval { get; set; }

    /// <summary>
    /// Starts each block's last batch norm with weight 0, so every block begins as the identity
    /// (<c>zero_init_residual</c>, default true as in mmcls).
    /// </summary>
    public bool ZeroInitResidual { get; set; } = true;
}
