namespace QQuant.Vision;

/// <summary>The three stems of the ResNet family.</summary>
internal enum ResNetStem
{
    /// <summary>7x7 stride-2 <c>conv1</c>, <c>bn1</c>, ReLU, 3x3 stride-2 max pool (ImageNet ResNet).</summary>
    Standard,

    /// <summary>Three 3x3 <c>ConvModule</c>s <c>stem.0</c>..<c>stem.2</c> (first strided), then the max pool.</summary>
    Deep,

    /// <summary>3x3 stride-1 <c>conv1</c>, <c>bn1</c>, ReLU and no max pool (ResNet_CIFAR).</summary>
    Cifar,
}
