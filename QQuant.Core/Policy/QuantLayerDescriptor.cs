using static TorchSharp.torch;

namespace QQuant;

/// <summary>
/// What the policy engine knows about one quantized layer type: which float module types it converts, its default
/// options, how to check settings and how to build it. Obtained with <see cref="Of{TLayer}"/>; two descriptors are
/// equal when they describe the same layer type.
/// </summary>
public sealed class QuantLayerDescriptor : IEquatable<QuantLayerDescriptor>
{
    private readonly Func<nn.Module<Tensor, Tensor>, QuantLayerSettings, nn.Module<Tensor, Tensor>> _create;
    private readonly Func<QuantLayerOptions> _createOptions;
    private readonly Func<QuantLayerSettings, IEnumerable<string>> _validate;

    private QuantLayerDescriptor(
        Type layerType,
        IReadOnlyList<Type> convertsFrom,
        Func<nn.Module<Tensor, Tensor>, QuantLayerSettings, nn.Module<Tensor, Tensor>> create,
        Func<QuantLayerOptions> createOptions,
        Func<QuantLayerSettings, IEnumerable<string>> validate)
    {
        LayerType = layerType;
        ConvertsFrom = convertsFrom;
        _create = create;
        _createOptions = createOptions;
        _validate = validate;
    }

    /// <summary>The quantized layer type.</summary>
    public Type LayerType { get; }

    /// <summary>The layer type's name, as reports print it.</summary>
    public string Name => LayerType.Name;

    /// <summary>The float module types the layer converts (derived types included).</summary>
    public IReadOnlyList<Type> ConvertsFrom { get; }

    /// <summary>Describes <typeparamref name="TLayer"/>.</summary>
    public static QuantLayerDescriptor Of<TLayer>()
        where TLayer : nn.Module<Tensor, Tensor>, IQuantizedLayer<TLayer> =>
        new(
            typeof(TLayer),
            TLayer.ConvertsFrom.ToArray(),
            static (source, settings) => TLayer.FromFloat(source, settings),
            static () => TLayer.CreateOptions(),
            static settings => TLayer.ValidateSettings(settings));

    /// <summary>True when a module of type <paramref name="moduleType"/> can be converted by this layer.</summary>
    public bool CanConvert(Type moduleType) => ConvertsFrom.Any(t => t.IsAssignableFrom(moduleType));

    /// <summary>True when some module of <paramref name="ruleType"/> or a type derived from it can be converted.</summary>
    public bool CanConvertSome(Type ruleType) =>
        ConvertsFrom.Any(t => t.IsAssignableFrom(ruleType) || ruleType.IsAssignableFrom(t));

    /// <summary>A fresh options object with the layer's defaults.</summary>
    public QuantLayerOptions CreateOptions() => _createOptions();

    /// <summary>The layer's own objections to <paramref name="settings"/>; empty when they are fine.</summary>
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

    /// <summary>Builds the layer from a float module this layer converts.</summary>
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
