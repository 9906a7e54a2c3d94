namespace QQuant.Vision;

/// <summary>The <see cref="Sample.Meta"/> keys the transforms record, spelled as in the reference.</summary>
public static class MetaKeys
{
    /// <summary>The path the image was read from (<see cref="Sample.FilePath"/>).</summary>
    public const string FileName = "filename";

    /// <summary>The file name as given, before the prefix (<see cref="Sample.FileName"/>).</summary>
    public const string OriginalFileName = "ori_filename";

    /// <summary>The decoded shape, an <c>int[] { height, width, channels }</c>.</summary>
    public const string OriginalShape = "ori_shape";

    /// <summary>The current shape, an <c>int[] { height, width, channels }</c>, updated by every geometric step.</summary>
    public const string ImageShape = "img_shape";

    /// <summary>Whether <see cref="RandomFlip"/> flipped the image (a <see cref="bool"/>).</summary>
    public const string Flip = "flip";

    /// <summary>The <see cref="FlipDirection"/> of <see cref="RandomFlip"/>, as its camelCase name.</summary>
    public const string FlipDirection = "flip_direction";

    /// <summary>The <see cref="ImageNormConfig"/> applied by <see cref="Normalize"/>.</summary>
    public const string ImageNormConfig = "img_norm_cfg";

    /// <summary>The meta entries <see cref="Collect"/> keeps when its <c>metaKeys</c> are not set (mmcls's default).</summary>
    public static IReadOnlyList<string> CollectDefaults { get; } =
        [FileName, OriginalFileName, OriginalShape, ImageShape, Flip, FlipDirection, ImageNormConfig];
}
