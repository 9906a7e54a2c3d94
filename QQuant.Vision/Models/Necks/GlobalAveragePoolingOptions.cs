namespace QQuant.Vision;

/// <summary>Options of <see cref="GlobalAveragePooling"/> (<c>type: GlobalAveragePooling</c>); it has none.</summary>
public sealed class GlobalAveragePoolingOptions
{
}
