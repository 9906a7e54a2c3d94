namespace QQuant.Vision;

/// <summary>The transforms under their configuration names.</summary>
internal static class TransformRegistrations
{
    public static void Register(ComponentRegistry registry) => registry
        .Add<ITransform, LoadImageFromFileOptions>(nameof(LoadImageFromFile), o => new LoadImageFromFile(o))
        .Add<ITransform, RandomResizedCropOptions>(nameof(RandomResizedCrop), o => new RandomResizedCrop(o))
        .Add<ITransform, RandomFlipOptions>(nameof(RandomFlip), o => new RandomFlip(o))
        .Add<ITransform, ResizeOptions>(nameof(Resize), o => new Resize(o))
        .Add<ITransform, CenterCropOptions>(nameof(CenterCrop), o => new CenterCrop(o))
        .Add<ITransform, RandomCropOptions>(nameof(RandomCrop), o => new RandomCrop(o))
        .Add<ITransform, ColorJitterOptions>(nameof(ColorJitter), o => new ColorJitter(o))
        .Add<ITransform, NormalizeOptions>(nameof(Normalize), o => new Normalize(o))
        .Add<ITransform, ImageToTensorOptions>(nameof(ImageToTensor), o => new ImageToTensor(o))
        .Add<ITransform, ToTensorOptions>(nameof(ToTensor), o => new ToTensor(o))
        .Add<ITransform, CollectOptions>(nameof(Collect), o => new Collect(o));
}
