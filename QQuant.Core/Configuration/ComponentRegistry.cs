using Microsoft.Extensions.Configuration;

namespace QQuant;

/// <summary>
/// The components a configuration can build by <c>type</c> name: backbones, necks, heads, losses, datasets,
/// transforms, and whatever kinds a package adds. A registration names a kind (the base type a configuration asks
/// for, such as <c>Backbone</c>), a type name (<c>"ResNet"</c>), an options class bound from the configuration and a
/// factory. With dependency injection <c>services.AddQQuant()</c> owns one (<see cref="QQuantBuilder.Components"/>).
/// </summary>
/// <remarks>
/// Options are bound strictly by <see cref="ComponentBinder"/>: keys match property names or their
/// <see cref="ReferenceKeyAttribute"/> spellings ignoring case and underscores (<c>out_indices</c> and
/// <c>outIndices</c> both bind <c>OutIndices</c>); an unknown key, a value of the wrong kind or a factory that rejects
/// its options is an error naming the key's path and the nearest valid names. An options property whose type is a
/// registered kind (or a list of one) is built from its sub-section, so <c>head.loss</c> or a <c>pipeline</c> list
/// need no code.
/// </remarks>
public sealed class ComponentRegistry
{
    private readonly Dictionary<Type, Dictionary<string, ComponentRegistration>> _kinds = [];

    /// <summary>The kinds that have at least one registration.</summary>
    public IReadOnlyCollection<Type> Kinds => _kinds.Keys;

    /// <summary>
    /// Registers <paramref name="create"/> as the way to build the <typeparamref name="TKind"/> named
    /// <paramref name="type"/> from <typeparamref name="TOptions"/>. Registering the same name again replaces it, so
    /// an application can swap a built-in component for its own.
    /// </summary>
    public ComponentRegistry Add<TKind, TOptions>(string type, Func<TOptions, TKind> create)
        where TKind : class
        where TOptions : class, new()
    {
        if (string.IsNullOrWhiteSpace(type))
        {
            throw new QQuantException($"A component type name must not be empty (registering a {typeof(TKind).Name}).");
        }

        if (!_kinds.TryGetValue(typeof(TKind), out Dictionary<string, ComponentRegistration>? names))
        {
            names = new Dictionary<string, ComponentRegistration>(StringComparer.OrdinalIgnoreCase);
            _kinds[typeof(TKind)] = names;
        }

        names[type] = new ComponentRegistration(typeof(TKind), type, typeof(TOptions), options => create((TOptions)options));
        return this;
    }

    /// <summary>The type names registered for <typeparamref name="TKind"/>.</summary>
    public IReadOnlyCollection<string> TypesOf<TKind>() => TypesOf(typeof(TKind));

    /// <summary>The type names registered for <paramref name="kind"/>.</summary>
    public IReadOnlyCollection<string> TypesOf(Type kind) =>
        _kinds.TryGetValue(kind, out Dictionary<string, ComponentRegistration>? names) ? names.Keys : [];

    /// <summary>Whether <paramref name="type"/> is a kind with registrations.</summary>
    public bool IsKind(Type type) => _kinds.ContainsKey(type);

    /// <summary>The registration of <paramref name="type"/> under <paramref name="kind"/>, if any.</summary>
    public bool TryGet(Type kind, string type, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ComponentRegistration? registration)
    {
        registration = null;
        return _kinds.TryGetValue(kind, out Dictionary<string, ComponentRegistration>? names)
               && names.TryGetValue(type, out registration);
    }

    /// <summary>
    /// Builds the <typeparamref name="TKind"/> that <paramref name="section"/> describes (its <c>type</c> key picks the
    /// registration, the other keys are its options).
    /// </summary>
    /// <exception cref="ComponentConfigurationException">Every problem found, each with its key path.</exception>
    public TKind Build<TKind>(IConfiguration section) where TKind : class =>
        (TKind)ComponentBinder.BuildRoot(this, typeof(TKind), section);

    /// <summary>Binds <typeparamref name="TOptions"/> from <paramref name="section"/> with the same strict rules.</summary>
    /// <exception cref="ComponentConfigurationException">Every problem found, each with its key path.</exception>
    public TOptions BindOptions<TOptions>(IConfiguration section) where TOptions : class, new() =>
        (TOptions)ComponentBinder.BindOptionsRoot(this, typeof(TOptions), section);
}
