namespace QQuant.Vision;

/// <summary>What a reader of an in-memory dataset hands to its constructor.</summary>
internal sealed record InMemoryImages(byte[] Pixels, int[] Labels, IReadOnlyList<string> Classes);
