namespace QQuant.Vision;

/// <summary>The classifier, necks, heads and losses under their configuration names.</summary>
internal static class ModelRegistrations
{
    public static void Register(ComponentRegistry registry) => registry
        .Add<ImageClassifier, ImageClassifierOptions>(nameof(ImageClassifier), o => new ImageClassifier(o))
        .Add<Neck, GlobalAveragePoolingOptions>(nameof(GlobalAveragePooling), _ => new GlobalAveragePooling())
        .Add<ClsHead, LinearClsHeadOptions>(nameof(LinearClsHead), o => new LinearClsHead(o))
        .Add<ClassificationLoss, CrossEntropyLossOptions>(nameof(CrossEntropyLoss), o => new CrossEntropyLoss(o))
        .Add<ClassificationLoss, LabelSmoothLossOptions>(nameof(LabelSmoothLoss), o => new LabelSmoothLoss(o));
}
