namespace QQuant.Vision;

/// <summary>
/// The reference's <c>ImageNetV1</c> (<c>type: ImageNetV1</c>): <see cref="ImageNet"/> with a TAB-separated
/// annotation file, <c>path&lt;TAB&gt;label&lt;TAB&gt;extra</c> (the third field is ignored and may be left out). Its
/// folder-scan mode, which crashes in the reference, works as <see cref="ImageNet"/>'s.
/// </summary>
public sealed class ImageNetV1 : ImageNet
{
    /// <summary>Lists the samples <paramref name="options"/> describes.</summary>
    /// <exception cref="DatasetFormatException">
    /// The folder or annotation file is missing or empty, a line is malformed, or a label has no class.
    /// </exception>
    public ImageNetV1(ImageNetOptions options) : base(options, ImageNetAnnotationFormat.TabSeparated)
    {
    }
}
