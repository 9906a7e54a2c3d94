using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Export;

/// <summary>The typed base of an <see cref="IOnnxEmitter"/> for modules of type <typeparamref name="TModule"/>.</summary>
public abstract class OnnxEmitter<TModule> : IOnnxEmitter
    where TModule : nn.Module
{
    /// <inheritdoc />
    public Type ModuleType => typeof(TModule);

    /// <inheritdoc />
    public OnnxValue Emit(OnnxExportContext context, nn.Module module, OnnxValue input) => Emit(context, (TModule)module, input);

    /// <summary>Emits <paramref name="module"/> applied to <paramref name="input"/> and returns its output value.</summary>
    protected abstract OnnxValue Emit(OnnxExportContext context, TModule module, OnnxValue input);
}
