using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// The quantized layers a configuration can name (<c>"type": "EightBitConv"</c>), and any float module types of
/// your own that a configuration's <c>policy</c> keys may name besides TorchSharp's. Names are matched ignoring case.
/// With dependency injection, <c>services.AddQQuant()</c> owns one; without it, create one and call
/// <c>AddQuantizers()</c> from QQuant.Quantizers on it.
/// </summary>
public sealed class QuantLayerRegistry
{
    private readonly Dictionary<string, QuantLayerRegistration> _layers = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Type> _moduleTypes = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The registered layer names.</summary>
    public IReadOnlyCollection<string> Names => _layers.Keys;

    /// <summary>The registered layers.</summary>
    public IReadOnlyCollection<QuantLayerRegistration> Layers => _layers.Values;

    /// <summary>The float module types registered with <see cref="AddModuleType{TModule}"/>.</summary>
    public IReadOnlyCollection<Type> ModuleTypes => _moduleTypes.Values;

    /// <summary>Registers <typeparamref name="TLayer"/> under <paramref name="name"/>.</summary>
    /// <exception cref="QQuantException">The name is already taken by another layer type.</exception>
    public QuantLayerRegistry Add<TLayer>(string name, QuantLayerDefaults? defaults = null)
        where TLayer : nn.Module<Tensor, Tensor>, IQuantizedLayer<TLayer>
    {
        var layer = QuantLayerDescriptor.Of<TLayer>();
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new QQuantException($"A quantized layer name must not be empty (registering {layer.Name}).");
        }

        if (_layers.TryGetValue(name, out QuantLayerRegistration? existing) && !existing.Layer.Equals(layer))
        {
            throw new QQuantException(
                $"The quantized layer name '{name}' is already registered for {existing.Layer.LayerType.FullName}; "
                + $"choose another name for {layer.LayerType.FullName}.");
        }

        _layers[name] = new QuantLayerRegistration(name, layer, defaults ?? new QuantLayerDefaults());
        return this;
    }

    /// <summary>
    /// Lets configuration <c>policy</c> keys name a float module type of your own (TorchSharp's layers are always
    /// known), by its class name.
    /// </summary>
    public QuantLayerRegistry AddModuleType<TModule>() where TModule : nn.Module
    {
        _moduleTypes[typeof(TModule).Name] = typeof(TModule);
        return this;
    }

    /// <summary>Finds the layer registered under <paramref name="name"/> (ignoring case).</summary>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out QuantLayerRegistration? registration) =>
        _layers.TryGetValue(name, out registration);

    internal bool TryGetModuleType(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Type? type) =>
        _moduleTypes.TryGetValue(name, out type);
}
