namespace QQuant.Vision;

/// <summary>
/// mmcls's <c>ResNet_CIFAR</c> (<c>type: ResNet_CIFAR</c>): a <see cref="ResNet"/> whose stem is one 3x3 stride-1
/// <c>conv1</c> with <c>bn1</c> and ReLU and no max pool, for 32x32 images (a ResNet-18 keeps 4x4 maps in
/// <c>layer4</c>). <c>deepStem</c> is refused. Torchvision's 7x7 <c>conv1.weight</c> does not fit and maps to null.
/// </summary>
public sealed class ResNetCifar : ResNet
{
    /// <summary>Builds the network.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names its key.</exception>
    public ResNetCifar(ResNetOptions options) : base(options, "ResNet_CIFAR", ResNetStem.Cifar)
    {
    }

    /// <inheritdoc />
    public override string? MapTorchVisionKey(string torchVisionKey) =>
        torchVisionKey == "conv1.weight" ? null : base.MapTorchVisionKey(torchVisionKey);
}
