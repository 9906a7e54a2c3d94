namespace QQuant.Vision;

/// <summary>The datasets under their configuration names.</summary>
internal static class DatasetRegistrations
{
    public static void Register(ComponentRegistry registry) => registry
        .Add<ImageDataset, ImageNetOptions>(nameof(ImageNet), o => new ImageNet(o))
        .Add<ImageDataset, ImageNetOptions>(nameof(ImageNetV1), o => new ImageNetV1(o))
        .Add<ImageDataset, CIFAROptions>(nameof(CIFAR10), o => new CIFAR10(o))
        .Add<ImageDataset, CIFAROptions>(nameof(CIFAR100), o => new CIFAR100(o))
        .Add<ImageDataset, MNISTOptions>(nameof(MNIST), o => new MNIST(o))
        .Add<ImageDataset, MNISTOptions>(nameof(FashionMNIST), o => new FashionMNIST(o));
}
