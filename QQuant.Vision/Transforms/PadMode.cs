namespace QQuant.Vision;

/// <summary>How <see cref="RandomCrop"/> fills the border it adds (<c>padding_mode</c>, numpy's names).</summary>
public enum PadMode
{
    /// <summary>Every added pixel is <c>padVal</c>.</summary>
    Constant,

    /// <summary>The outermost row or column is repeated.</summary>
    Edge,

    /// <summary>Mirrored without repeating the edge: <c>c b | a b c | b a</c>.</summary>
    Reflect,

    /// <summary>Mirrored with the edge repeated: <c>b a | a b c | c b</c>.</summary>
    Symmetric,
}
