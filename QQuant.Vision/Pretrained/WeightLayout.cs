namespace QQuant.Vision;

/// <summary>How the keys of a pretrained weights file are named.</summary>
public enum WeightLayout
{
    /// <summary>Decide from the keys: classifier layout when a key starts with <c>backbone.</c>, <c>neck.</c> or <c>head.</c>, else TorchVision.</summary>
    Auto,

    /// <summary>TorchVision's (PyTorch's) names, such as <c>conv1.weight</c> and <c>fc.bias</c>, mapped by the backbone's <see cref="ITorchVisionLayout"/>.</summary>
    TorchVision,

    /// <summary>The classifier's own names, such as <c>backbone.conv1.weight</c> and <c>head.fc.bias</c> (a QQuant or mmcls state dict).</summary>
    Classifier,
}
