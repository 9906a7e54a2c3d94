namespace QQuant.Vision;

/// <summary>Options of <see cref="ImageNet"/> and <see cref="ImageNetV1"/> (<c>type: ImageNet</c> / <c>ImageNetV1</c>).</summary>
public sealed class ImageNetOptions : ImageDatasetOptions
{
    /// <summary>
    /// The annotation file (<c>ann_file</c>), one sample per line with its path relative to
    /// <see cref="ImageDatasetOptions.DataPrefix"/>; null scans the class sub-folders of the prefix instead.
    /// </summary>
    public string? AnnFile { get; set; }
}
