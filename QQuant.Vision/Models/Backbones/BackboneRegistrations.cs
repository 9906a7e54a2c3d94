namespace QQuant.Vision;

/// <summary>The backbones under their configuration names.</summary>
internal static class BackboneRegistrations
{
    public static void Register(ComponentRegistry registry) => registry
        .Add<Backbone, ResNetOptions>(nameof(ResNet), o => new ResNet(o))
        .Add<Backbone, ResNetOptions>(nameof(ResNetV1d), o => new ResNetV1d(o))
        .Add<Backbone, ResNetOptions>("ResNet_CIFAR", o => new ResNetCifar(o))
        .Add<Backbone, CifarResNetOptions>(nameof(CifarResNet), o => new CifarResNet(o))
        .Add<Backbone, MobileNetV2Options>(nameof(MobileNetV2), o => new MobileNetV2(o))
        .Add<Backbone, VGGOptions>(nameof(VGG), o => new VGG(o))
        .Add<Backbone, LeNet5Options>(nameof(LeNet5), o => new LeNet5(o));
}
