namespace QQuant.Vision;

/// <summary>Options of <see cref="ImageToTensor"/> (<c>type: ImageToTensor</c>).</summary>
public sealed class ImageToTensorOptions
{
    /// <summary>The image keys to convert (<c>keys</c>, default <c>["img"]</c>, the only image a sample has).</summary>
    public IReadOnlyList<string> Keys { get; set; } = ["img"];
}
