namespace QQuant.Vision;

/// <summary>Options of <see cref="VGG"/> (<c>type: VGG</c>), mmcls's arguments in camelCase.</summary>
public sealed class VGGOptions
{
    /// <summary>11, 13, 16 or 19 (<c>depth</c>); required.</summary>
    public int Depth { get; set; }

    /// <summary>A batch norm after every conv (mmcls: <c>norm_cfg=dict(type='BN')</c>; default false).</summary>
    public bool WithNorm { get; set; }

    /// <summary>
    /// Classes of the backbone's own three-layer classifier (<c>num_classes</c>); -1 (the default) builds none, which is
    /// what a neck and head after the backbone expect.
    /// </summary>
    public int NumClasses { get; set; } = -1;

    /// <summary>How many of the five conv stages to build (<c>num_stages</c>, 1..5, default 5).</summary>
    public int NumStages { get; set; } = 5;

    /// <summary>Image channels (<c>in_channels</c>, default 3).</summary>
    public int InChannels { get; set; } = 3;

    /// <summary>
    /// Outputs to return (<c>out_indices</c>): stage indices 0..numStages-1; unset means the last stage. With
    /// <see cref="NumClasses"/> &gt; 0 the classifier's logits are always appended last, as in mmcls.
    /// </summary>
    public IReadOnlyList<int>? OutIndices { get; set; }

    /// <summary>Freezes the first this-many stages (<c>frozen_stages</c>, -1 none, the default).</summary>
    public int FrozenStages { get; set; } = -1;

    /// <summary>Keeps every batch norm in eval mode during training (<c>norm_eval</c>, default false).</summary>
    public bool NormEval { get; set; }

    /// <summary>Rounds max-pool output sizes up (<c>ceil_mode</c>, default false).</summary>
    public bool CeilMode { get; set; }

    /// <summary>Keeps the max pool that ends the last stage (<c>with_last_pool</c>, default true).</summary>
    public bool WithLastPool { get; set; } = true;
}
