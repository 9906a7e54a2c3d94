namespace QQuant.Vision;

/// <summary>Options of <see cref="ImageClassifier"/> (<c>type: ImageClassifier</c>): its three parts.</summary>
public sealed class ImageClassifierOptions
{
    /// <summary>The feature extractor; required.</summary>
    public Backbone? Backbone { get; set; }

    /// <summary>What turns the backbone's feature map into a vector (usually <see cref="GlobalAveragePooling"/>), or null.</summary>
    public Neck? Neck { get; set; }

    /// <summary>The classification head; required.</summary>
    public ClsHead? Head { get; set; }

}
