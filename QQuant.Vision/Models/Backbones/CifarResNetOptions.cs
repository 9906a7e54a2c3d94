namespace QQuant.Vision;

/// <summary>Options of <see cref="CifarResNet"/> (<c>type: CifarResNet</c>).</summary>
public sealed class CifarResNetOptions
{
    /// <summary>6n + 2 layers: 20, 32, 44, 56, 110 (n blocks per stage); required.</summary>
    public int Depth { get; set; }

    /// <summary>Image channels (<c>in_channels</c>, default 3).</summary>
    public int InChannels { get; set; } = 3;

    /// <summary>Channels of the stem and first stage (default 16); the next stages double it (32, 64).</summary>
    public int BaseChannels { get; set; } = 16;

    /// <summary>
    /// <c>B</c> (1x1 conv projection, the default: what most low-bit CIFAR tables train) or <c>A</c> (zero-padded
    /// identity, the paper's CIFAR choice).
    /// </summary>
    public CifarShortcut Shortcut { get; set; } = CifarShortcut.B;

    /// <summary>The stages whose outputs <see cref="Backbone.ForwardFeatures"/> returns (<c>out_indices</c>, 0..2, default [2]).</summary>
    public IReadOnlyList<int> OutIndices { get; set; } = [2];

    /// <summary>Starts each block's last batch norm with weight 0 (<c>zero_init_residual</c>, default false).</summary>
    public bool ZeroInitResidual { get; set; }
}
