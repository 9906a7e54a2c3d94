namespace QQuant.Vision;

/// <summary>
/// Options of <see cref="MNIST"/> and <see cref="FashionMNIST"/>. <see cref="ImageDatasetOptions.DataPrefix"/> is the
/// folder of the IDX files (raw or gzipped), or the folder holding them in a <c>raw</c> sub-folder (torchvision's layout).
/// </summary>
public sealed class MNISTOptions : ImageDatasetOptions
{
}
