using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// What the policy engine knows about one type a policy names in <c>Use&lt;T&gt;</c>: which float module types it
/// converts, the name of the layer it builds for each, its default options, how to check settings and how to build
/// the layer. Obtained with <see cref="Of{T}"/>; two descriptors are equal when they describe the same type.
/// </summary>
public sealed class QuantLayerDescriptor : IEquatable<QuantLayerDescriptor>
{
    private readonly Func<nn.Module<Tensor, Tensor>, QuantLayerSettings, nn.Module<Tensor, Tensor>> _create;
    private readonly Func<QuantLayerOptions> _createOptions;
    private readonly Func<QuantLayerSettings, IEnumerable<string>> _validate;
    private readonly Func<Type, string> _layerName;
    private readonly Func<Type, Type> _resultType;

    private QuantLayerDescriptor(
        Type layerType,
        string name,
        QuantScheme? scheme,
        IReadOnlyList<Type> convertsFrom,
        Func<nn.Module<Tensor, Tensor>, QuantLayerSettings, nn.Module<Tensor, Tensor>> create,
        Func<QuantLayerOptions> createOptions,
        Func<QuantLayerSettings, IEnumerable<string>> validate,
        Func<Type, string> layerName,
        Func<Type, Type> resultType)
    {
        LayerType = layerType;
        Name = name;
        Scheme = scheme;
        ConvertsFrom = convertsFrom;
        _create = create;
        _createOptions = createOptions;
        _validate = validate;
        _layerName = layerName;
        _resultType = resultType;
    }

    /// <summary>The type the policy names: a scheme, a scheme's per-module name (<c>DSQConv</c>) or a layer class.</summary>
    public Type LayerType { get; }

    /// <summary>The name policies print, for example <c>LSQ</c> or <c>DSQConv</c>.</summary>
    public string Name { get; }

    /// <summary>The scheme that builds the quantizers, or null for a layer class of your own.</summary>
    public QuantScheme? Scheme { get; }

    /// <summary>The float module types converted (derived types included).</summary>
    public IReadOnlyList<Type> ConvertsFrom { get; }

    /// <summary>Describes <typeparamref name="T"/>: a scheme, a scheme's per-module name, or a layer class.</summary>
    public static QuantLayerDescriptor Of<T>()
        where T : IQuantLayerType =>
        T.Descriptor;

    /// <summary>Describes a quantized layer class of your own (<see cref="IQuantizedLayer{TSelf}"/>).</summary>
    public static QuantLayerDescriptor OfLayer<TLayer>()
        where TLayer : nn.Module<Tensor, Tensor>, IQuantizedLayer<TLayer> =>
        new(
            typeof(TLayer),
            typeof(TLayer).Name,
            null,
            TLayer.ConvertsFrom.ToArray(),
            static (source, settings) => TLayer.FromFloat(source, settings),
            static () => TLayer.CreateOptions(),
            static settings => TLayer.ValidateSettings(settings),
            static _ => typeof(TLayer).Name,
            static _ => typeof(TLayer));

    /// <summary>
    /// Describes <paramref name="scheme"/> on <paramref name="moduleTypes"/> (null: every operation a scheme
    /// quantizes: Linear, Conv1d/2d/3d and the transposed convolutions).
    /// </summary>
    /// <param name="key">The type policies name (equality is by this type).</param>
    /// <param name="scheme">The scheme.</param>
    /// <param name="moduleTypes">The float module types converted, each one an operation schemes quantize.</param>
    /// <param name="name">The name policies print (null: the scheme's name); also every layer's name when given.</param>
    public static QuantLayerDescriptor ForScheme(Type key, QuantScheme scheme, IReadOnlyList<Type>? moduleTypes = null, string? name = null)
    {
        if (moduleTypes?.FirstOrDefault(t => !QuantOperations.FloatTypes.Any(f => f.IsAssignableFrom(t))) is { } unknown)
        {
            throw new ArgumentException(
                $"Schemes quantize {string.Join(", ", QuantOperations.FloatTypes.Select(t => t.Name))}, not {unknown.Name}.", nameof(moduleTypes));
        }

        string layerName(Type moduleType) => name ?? scheme.LayerName(moduleType);
        return new(
            key,
            name ?? scheme.Name,
            scheme,
            moduleTypes ?? QuantOperations.FloatTypes,
            (source, settings) => QuantOperations.Create(source, scheme, settings, layerName(source.GetType())),
            scheme.CreateOptions,
            settings => scheme.Validate(name ?? scheme.Name, settings),
            layerName,
            QuantOperations.LayerType);
    }

    /// <summary>True when a module of type <paramref name="moduleType"/> can be converted.</summary>
    public bool CanConvert(Type moduleType) => ConvertsFrom.Any(t => t.IsAssignableFrom(moduleType));

    /// <summary>True when some module of <paramref name="ruleType"/> or a type derived from it can be converted.</summary>
    public bool CanConvertSome(Type ruleType) =>
        ConvertsFrom.Any(t => t.IsAssignableFrom(ruleType) || ruleType.IsAssignableFrom(t));

    /// <summary>The name of the layer built for a module of <paramref name="moduleType"/>, as reports print it (<c>LSQConv</c>).</summary>
    public string LayerName(Type moduleType) => _layerName(moduleType);

    /// <summary>The class of the layer built for a module of <paramref name="moduleType"/> (for example <see cref="QuantizedConv2d"/>).</summary>
    public Type ResultType(Type moduleType) => _resultType(moduleType);

    /// <summary>A fresh options object with the defaults.</summary>
    public QuantLayerOptions CreateOptions() => _createOptions();

    /// <summary>The objections to <paramref name="settings"/>; empty when they are fine.</summary>
    public IReadOnlyList<string> Validate(QuantLayerSettings settings)
    {
        var problems = new List<string>(_validate(settings));
        Type expected = CreateOptions().GetType();
        if (!expected.IsAssignableFrom(settings.Options.GetType()))
        {
            problems.Add($"{Name} takes options of type {expected.Name}, not {settings.Options.GetType().Name}");
        }

        return problems;
    }

    /// <summary>Builds the layer from a float module this descriptor converts.</summary>
    public nn.Module<Tensor, Tensor> Create(nn.Module<Tensor, Tensor> source, QuantLayerSettings settings) =>
        _create(source, settings);

    /// <inheritdoc />
    public bool Equals(QuantLayerDescriptor? other) => other is not null && LayerType == other.LayerType;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as QuantLayerDescriptor);

    /// <inheritdoc />
    public override int GetHashCode() => LayerType.GetHashCode();

    /// <inheritdoc />
    public override string ToString() => Name;
}
