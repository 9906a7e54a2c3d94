using QQuant.Export.Emitters;

namespace QQuant.Export;

/// <summary>
/// The emitters an export can use, by module type: the most derived registered type that a module is an instance
/// of wins, and a later registration for the same type replaces the earlier one.
/// </summary>
public sealed class OnnxEmitterRegistry
{
    private readonly Dictionary<Type, IOnnxEmitter> _emitters = [];

    /// <summary>A registry with the emitters of TorchSharp's layers and QQuant's quantized layers.</summary>
    public static OnnxEmitterRegistry CreateDefault() => BuiltInEmitters.AddTo(new OnnxEmitterRegistry());

    /// <summary>Registers <paramref name="emitter"/> for its <see cref="IOnnxEmitter.ModuleType"/>.</summary>
    public OnnxEmitterRegistry Add(IOnnxEmitter emitter)
    {
        ArgumentNullException.ThrowIfNull(emitter);
        _emitters[emitter.ModuleType] = emitter;
        return this;
    }

    /// <summary>The module types that have an emitter.</summary>
    public IReadOnlyCollection<Type> ModuleTypes => _emitters.Keys;

    /// <summary>The emitter for <paramref name="moduleType"/>, or null.</summary>
    public IOnnxEmitter? Find(Type moduleType)
    {
        for (Type? type = moduleType; type is not null; type = type.BaseType)
        {
            if (_emitters.TryGetValue(type, out IOnnxEmitter? emitter))
            {
                return emitter;
            }
        }

        return null;
    }
}
