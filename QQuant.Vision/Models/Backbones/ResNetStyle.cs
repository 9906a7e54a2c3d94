namespace QQuant.Vision;

/// <summary>Where a ResNet bottleneck block puts its stride (<c>style</c>).</summary>
public enum ResNetStyle
{
    /// <summary>On the 3x3 conv (<c>conv2</c>): torchvision's "ResNet v1.5" (<c>pytorch</c>, the default).</summary>
    Pytorch,

    /// <summary>On the first 1x1 conv (<c>conv1</c>), as in the original Caffe models (<c>caffe</c>).</summary>
    Caffe,
}
