namespace QQuant.Vision;

/// <summary>
/// The fluent way to write a pipeline in code, one thin method per transform:
/// <c>PipelineBuilder.Create().LoadImageFromFile().RandomResizedCrop(224).RandomFlip(0.5).Normalize(mean, std)
/// .ImageToTensor().Collect("img", "gt_label").Build()</c>. Each method builds the transform from its options class,
/// so the same validation applies as for a JSON pipeline.
/// </summary>
public sealed class PipelineBuilder
{
    private readonly List<ITransform> _transforms = [];

    private PipelineBuilder()
    {
    }

    /// <summary>The transforms added so far, in order.</summary>
    public IReadOnlyList<ITransform> Transforms => _transforms;

    /// <summary>Starts an empty pipeline.</summary>
    public static PipelineBuilder Create() => new();

    /// <summary>Appends any transform, such as one of your own.</summary>
    public PipelineBuilder Add(ITransform transform)
    {
        ArgumentNullException.ThrowIfNull(transform);
        _transforms.Add(transform);
        return this;
    }

    /// <summary>Appends <see cref="Vision.LoadImageFromFile"/>.</summary>
    public PipelineBuilder LoadImageFromFile(ColorType colorType = ColorType.Color, bool toFloat32 = false) =>
        Add(new LoadImageFromFile(new LoadImageFromFileOptions { ColorType = colorType, ToFloat32 = toFloat32 }));

    /// <summary>Appends a square <see cref="Vision.RandomResizedCrop"/>; <paramref name="configure"/> sets the other options.</summary>
    public PipelineBuilder RandomResizedCrop(int size, Action<RandomResizedCropOptions>? configure = null) =>
        Add(new RandomResizedCrop(Configure(new RandomResizedCropOptions { Size = [size] }, configure)));

    /// <summary>Appends <see cref="Vision.RandomFlip"/>.</summary>
    public PipelineBuilder RandomFlip(double flipProb = 0.5, FlipDirection direction = FlipDirection.Horizontal) =>
        Add(new RandomFlip(new RandomFlipOptions { FlipProb = flipProb, Direction = direction }));

    /// <summary>Appends a <see cref="Vision.Resize"/> to exactly <paramref name="height"/> x <paramref name="width"/>.</summary>
    public PipelineBuilder Resize(int height, int width, Interpolation interpolation = Interpolation.Bilinear) =>
        Add(new Resize(new ResizeOptions { Size = [height, width], Interpolation = interpolation }));

    /// <summary>Appends a <see cref="Vision.Resize"/> that sets the short side (mmcls's <c>size=(n, -1)</c>), keeping the aspect ratio.</summary>
    public PipelineBuilder ResizeShortSide(int shortSide, Interpolation interpolation = Interpolation.Bilinear) =>
        Add(new Resize(new ResizeOptions { Size = [shortSide, -1], Interpolation = interpolation }));

    /// <summary>Appends a square <see cref="Vision.CenterCrop"/>.</summary>
    public PipelineBuilder CenterCrop(int cropSize, bool efficientnetStyle = false) =>
        Add(new CenterCrop(new CenterCropOptions { CropSize = [cropSize], EfficientnetStyle = efficientnetStyle }));

    /// <summary>Appends a square <see cref="Vision.RandomCrop"/> with <paramref name="padding"/> on every side (CIFAR: 32, 4).</summary>
    public PipelineBuilder RandomCrop(int size, int padding = 0, Action<RandomCropOptions>? configure = null) =>
        Add(new RandomCrop(Configure(new RandomCropOptions { Size = [size], Padding = padding > 0 ? [padding] : null }, configure)));

    /// <summary>Appends <see cref="Vision.ColorJitter"/>.</summary>
    public PipelineBuilder ColorJitter(double brightness, double contrast, double saturation) =>
        Add(new ColorJitter(new ColorJitterOptions { Brightness = brightness, Contrast = contrast, Saturation = saturation }));

    /// <summary>Appends <see cref="Vision.Normalize"/> (mean and std on 0..255 values).</summary>
    public PipelineBuilder Normalize(IReadOnlyList<double> mean, IReadOnlyList<double> std, bool toRgb = true) =>
        Add(new Normalize(new NormalizeOptions { Mean = mean, Std = std, ToRgb = toRgb }));

    /// <summary>Appends <see cref="Vision.ImageToTensor"/> (HWC → CHW).</summary>
    public PipelineBuilder ImageToTensor() => Add(new ImageToTensor(new ImageToTensorOptions()));

    /// <summary>Appends <see cref="Vision.ToTensor"/> for <paramref name="keys"/>.</summary>
    public PipelineBuilder ToTensor(params string[] keys) => Add(new ToTensor(new ToTensorOptions { Keys = keys }));

    /// <summary>Appends <see cref="Vision.Collect"/> keeping <paramref name="keys"/> and mmcls's default meta.</summary>
    public PipelineBuilder Collect(params string[] keys) => Add(new Collect(new CollectOptions { Keys = keys }));

    /// <summary>The pipeline as one transform.</summary>
    public Compose Build() => new([.. _transforms]);

    private static T Configure<T>(T options, Action<T>? configure)
    {
        configure?.Invoke(options);
        return options;
    }
}
