namespace QQuant.Vision;

/// <summary>The first <see cref="Count"/> samples of another dataset, with its pipeline and classes (for quick runs on a part of the data).</summary>
public sealed class DatasetSlice : ImageDataset
{
    private readonly ImageDataset _source;

    /// <summary>Takes the first <paramref name="count"/> samples of <paramref name="source"/> (all of them when it has fewer).</summary>
    public DatasetSlice(ImageDataset source, int count) : base(source?.Pipeline.Transforms)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        _source = source;
        Count = Math.Min(count, source.Count);
    }

    /// <inheritdoc />
    public override int Count { get; }

    /// <inheritdoc />
    public override IReadOnlyList<string> Classes => _source.Classes;

    /// <inheritdoc />
    public override int LabelOf(int index) => _source.LabelOf(index);

    /// <inheritdoc />
    public override Sample Load(int index) => _source.Load(index);
}
