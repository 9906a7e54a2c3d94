using TorchSharp.Modules;

namespace QQuant.Export.Emitters;

/// <summary>
/// The emitters every export has: TorchSharp's layers used by classifiers, QQuant's quantized layers, and TorchVision's
/// ResNets when that package is loaded.
/// </summary>
internal static class BuiltInEmitters
{
    public static OnnxEmitterRegistry AddTo(OnnxEmitterRegistry registry)
    {
        foreach (IOnnxEmitter emitter in TorchVisionResNetEmitters.All())
        {
            registry.Add(emitter);
        }

        return registry
            .Add(new Conv2dEmitter())
            .Add(new LinearEmitter())
            .Add(new BatchNorm2dEmitter())
            .Add(new ReLUEmitter())
            .Add(new ReLU6Emitter())
            .Add(new TanhEmitter())
            .Add(new HardtanhEmitter())
            .Add(new MaxPool2dEmitter())
            .Add(new AvgPool2dEmitter())
            .Add(new AdaptiveAvgPool2dEmitter())
            .Add(new FlattenEmitter())
            .Add(new PassThroughEmitter<Identity>())
            .Add(new PassThroughEmitter<Dropout>())
            .Add(new SequentialEmitter())
            .Add(new QuantizedConv2dEmitter())
            .Add(new QuantizedLinearEmitter());
    }
}
