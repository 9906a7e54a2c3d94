namespace QQuant.Vision;

/// <summary>
/// Options of <see cref="CIFAR10"/> and <see cref="CIFAR100"/>. <see cref="ImageDatasetOptions.DataPrefix"/> is the
/// folder of the binary version's files, or the folder holding its standard sub-folder (<c>cifar-10-batches-bin</c>,
/// <c>cifar-100-binary</c>).
/// </summary>
public sealed class CIFAROptions : ImageDatasetOptions
{
}
