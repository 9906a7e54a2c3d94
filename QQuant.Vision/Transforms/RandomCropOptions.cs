namespace QQuant.Vision;

/// <summary>Options of <see cref="RandomCrop"/> (<c>type: RandomCrop</c>).</summary>
public sealed class RandomCropOptions
{
    /// <summary>The crop, one number (a square) or <c>[height, width]</c> (<c>size</c>); required.</summary>
    public IReadOnlyList<int>? Size { get; set; }

    /// <summary>
    /// Border added before cropping (<c>padding</c>): one number for every side, <c>[leftRight, topBottom]</c> or
    /// <c>[left, top, right, bottom]</c>; none when unset. The CIFAR configs use 4.
    /// </summary>
    public IReadOnlyList<int>? Padding { get; set; }

    /// <summary>Pads a side smaller than the crop by the missing amount on both ends (<c>pad_if_needed</c>).</summary>
    public bool PadIfNeeded { get; set; }

    /// <summary>The constant fill, one value or one per channel, 0..255 (<c>pad_val</c>, default 0).</summary>
    public IReadOnlyList<double> PadVal { get; set; } = [0.0];

    /// <summary>How the border is filled (<c>padding_mode</c>, default constant).</summary>
    public PadMode PadMode { get; set; } = PadMode.Constant;
}
