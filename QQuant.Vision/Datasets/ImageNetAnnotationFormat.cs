namespace QQuant.Vision;

/// <summary>How the lines of an ImageNet annotation file are laid out.</summary>
internal enum ImageNetAnnotationFormat
{
    /// <summary><c>relative/path label</c>, split at the last space (<see cref="ImageNet"/>).</summary>
    SpaceSeparated,

    /// <summary><c>path&lt;TAB&gt;label</c> with an optional third field (<see cref="ImageNetV1"/>).</summary>
    TabSeparated,
}
