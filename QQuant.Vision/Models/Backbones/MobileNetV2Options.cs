namespace QQuant.Vision;

/// <summary>Options of <see cref="MobileNetV2"/> (<c>type: MobileNetV2</c>), mmcls's arguments in camelCase.</summary>
public sealed class MobileNetV2Options
{
    /// <summary>Channel multiplier of every layer (<c>widen_factor</c>, default 1.0; must be positive).</summary>
    public double WidenFactor { get; set; } = 1.0;

    /// <summary>Image channels (<c>in_channels</c>, default 3).</summary>
    public int InChannels { get; set; } = 3;

    /// <summary>
    /// Outputs to return (<c>out_indices</c>): 0..6 are <c>layer1</c>..<c>layer7</c>, 7 is the last 1x1 conv
    /// <c>conv2</c> (the default, [7]).
    /// </summary>
    public IReadOnlyList<int> OutIndices { get; set; } = [7];

    /// <summary>
    /// Freezes <c>conv1</c> and <c>layer1</c>..<c>layer{frozenStages}</c> (<c>frozen_stages</c>, -1..7, default -1: none).
    /// </summary>
    public int FrozenStages { get; set; } = -1;

    /// <summary>Keeps every batch norm in eval mode during training (<c>norm_eval</c>, default false).</summary>
    public bool NormEval { get; set; }
}
