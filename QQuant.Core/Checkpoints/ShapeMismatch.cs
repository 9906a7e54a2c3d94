namespace QQuant;

/// <summary>A source tensor whose shape differs from the module tensor it maps to; the module tensor is left as it was.</summary>
/// <param name="Key">The module key.</param>
/// <param name="SourceKey">The key in the source (equal to <paramref name="Key"/> without a key map).</param>
/// <param name="Expected">The module tensor's shape.</param>
/// <param name="Found">The source tensor's shape.</param>
public sealed record ShapeMismatch(string Key, string SourceKey, IReadOnlyList<long> Expected, IReadOnlyList<long> Found)
{
    /// <summary>For example <c>head.fc.weight: module [10, 512], source [1000, 512]</c>.</summary>
    public override string ToString() =>
        $"{(Key == SourceKey ? Key : $"{SourceKey} → {Key}")}: module [{string.Join(", ", Expected)}], source [{string.Join(", ", Found)}]";
}
