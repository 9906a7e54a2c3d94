using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// The schemes and quantized layers a configuration can name (<c>"type": "LSQ"</c>, <c>"type": "EightBitConv"</c>),
/// and any float module types of your own that a configuration's <c>policy</c> keys may name besides TorchSharp's.
/// Names are matched ignoring case. With dependency injection, <c>services.AddQQuant()</c> owns one; without it,
/// create one and call <c>AddQuantizers()</c> from QQuant.Quantizers on it.
/// </summary>
public sealed class QuantLayerRegistry
{
    private readonly Dictionary<string, QuantLayerRegistration> _layers = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Type> _moduleTypes = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The registered names, without aliases.</summary>
    public IReadOnlyCollection<string> Names => [.. Layers.Select(l => l.Name)];

    /// <summary>The registered aliases (other spellings of registered names, such as the Python reference's).</summary>
    public IReadOnlyCollection<string> Aliases => [.. _layers.Values.Where(l => l.AliasOf is not null).Select(l => l.Name)];

    /// <summary>The registrations, without aliases.</summary>
    public IReadOnlyCollection<QuantLayerRegistration> Layers => [.. _layers.Values.Where(l => l.AliasOf is null)];

    /// <summary>The registered schemes.</summary>
    public IReadOnlyCollection<QuantScheme> Schemes =>
        [.. Layers.Select(l => l.Layer).Where(l => l.Scheme is not null && l.LayerType == l.Scheme.GetType()).Select(l => l.Scheme!)];

    /// <summary>
    /// Registers <typeparamref name="TScheme"/> under its name (an entry naming it gives its bits), then the names the
    /// scheme registers itself (per-layer names with default bits, reference aliases).
    /// </summary>
    /// <exception cref="QQuantException">A name is already taken by another type.</exception>
    public QuantLayerRegistry AddScheme<TScheme>()
        where TScheme : QuantScheme, IQuantLayerType
    {
        QuantLayerDescriptor descriptor = TScheme.Descriptor;
        Add<TScheme>(descriptor.Name);
        descriptor.Scheme!.Register(this);
        return this;
    }

    /// <summary>
    /// Registers <paramref name="alias"/> as another spelling of the registered <paramref name="name"/>;
    /// <paramref name="defaults"/> replace the bits it gives and add option changes after its own.
    /// </summary>
    /// <exception cref="QQuantException"><paramref name="name"/> is not registered, or the alias is taken.</exception>
    public QuantLayerRegistry AddAlias(string alias, string name, QuantLayerDefaults? defaults = null)
    {
        if (!_layers.TryGetValue(name, out QuantLayerRegistration? target))
        {
            throw new QQuantException($"Cannot register '{alias}' as an alias of '{name}', which is not registered; "
                                      + NearestNames.Suggest(name, _layers.Keys));
        }

        QuantLayerDefaults registered = target.Defaults;
        QuantLayerDefaults merged = new(
            defaults?.WeightBits ?? registered.WeightBits,
            defaults?.ActivationBits ?? registered.ActivationBits,
            registered.Options + defaults?.Options);
        Put(new QuantLayerRegistration(alias, target.Layer, merged, target.AliasOf ?? target.Name));
        return this;
    }

    /// <summary>The float module types registered with <see cref="AddModuleType{TModule}"/>.</summary>
    public IReadOnlyCollection<Type> ModuleTypes => _moduleTypes.Values;

    /// <summary>Registers <typeparamref name="TLayer"/> under <paramref name="name"/>.</summary>
    /// <exception cref="QQuantException">The name is already taken by another layer type.</exception>
    public QuantLayerRegistry Add<TLayer>(string name, QuantLayerDefaults? defaults = null)
        where TLayer : IQuantLayerType
    {
        Put(new QuantLayerRegistration(name, TLayer.Descriptor, defaults ?? new QuantLayerDefaults()));
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

    private void Put(QuantLayerRegistration registration)
    {
        QuantLayerDescriptor layer = registration.Layer;
        if (string.IsNullOrWhiteSpace(registration.Name))
        {
            throw new QQuantException($"A quantized layer name must not be empty (registering {layer.Name}).");
        }

        if (_layers.TryGetValue(registration.Name, out QuantLayerRegistration? existing) && !existing.Layer.Equals(layer))
        {
            throw new QQuantException(
                $"The quantized layer name '{registration.Name}' is already registered for {existing.Layer.LayerType.FullName}; "
                + $"choose another name for {layer.LayerType.FullName}.");
        }

        _layers[registration.Name] = registration;
    }

    internal bool TryGetModuleType(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Type? type) =>
        _moduleTypes.TryGetValue(name, out type);
}
