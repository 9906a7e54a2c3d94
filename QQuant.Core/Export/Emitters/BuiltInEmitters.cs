using TorchSharp.Modules;

namespace QQuant.Export.Emitters;

/// <summary>The emitters every export has: TorchSharp's layers used by classifiers and QQuant's quantized layers.</summary>
internal static class BuiltInEmitters
{
    public static OnnxEmitterRegistry AddTo(OnnxEmitterRegistry registry) =>
        registry
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
