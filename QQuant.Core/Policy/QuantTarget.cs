namespace QQuant;

/// <summary>
/// What a rule does to the modules it decides: convert them to <see cref="Layer"/> with <see cref="Settings"/>, or
/// keep them float (<see cref="KeepsFloat"/>: no layer, or both weight and input at 32 bits).
/// </summary>
public sealed class QuantTarget : IEquatable<QuantTarget>
{
    private readonly QuantLayerSettings? _settings;

    private QuantTarget(QuantLayerDescriptor? layer, QuantLayerSettings? settings)
    {
        Layer = layer;
        _settings = settings is null ? null : settings with { Options = settings.Options with { } };
    }

    /// <summary>The target that leaves a module float.</summary>
    public static QuantTarget Float { get; } = new(null, null);

    /// <summary>The quantized layer type, or null for <see cref="Float"/>.</summary>
    public QuantLayerDescriptor? Layer { get; }

    /// <summary>
    /// Bits and options for the layer, or null for <see cref="Float"/>. Each read returns a copy: the target (and the
    /// policy holding it) cannot be changed after it is built.
    /// </summary>
    public QuantLayerSettings? Settings => _settings is null ? null : _settings with { Options = _settings.Options with { } };

    /// <summary>True when the decided modules stay as they are: no layer, or nothing to quantize (w: 32 and a float input).</summary>
    public bool KeepsFloat => Layer is null || (!_settings!.QuantizesWeight && !_settings.QuantizesInput);

    /// <summary>A target that converts to <paramref name="layer"/> with the given settings.</summary>
    public static QuantTarget Quantize(QuantLayerDescriptor layer, QuantLayerSettings settings) => new(layer, settings);

    /// <summary>
    /// A target that converts to <typeparamref name="TLayer"/>: <paramref name="w"/>/<paramref name="a"/> are weight
    /// and input bits (1..8, or 32 for float), <paramref name="configure"/> adjusts the layer's default options.
    /// </summary>
    public static QuantTarget Quantize<TLayer>(int w, int a, Action<QuantLayerOptions>? configure = null)
        where TLayer : IQuantLayerType
    {
        QuantLayerOptions options = TLayer.Descriptor.CreateOptions();
        configure?.Invoke(options);
        return new(TLayer.Descriptor, new QuantLayerSettings(w, a, options));
    }

    /// <summary>
    /// A target that converts to <typeparamref name="TLayer"/>, configuring the layer's own options type
    /// <typeparamref name="TOptions"/> (for example <c>LsqOptions</c>) without a cast.
    /// </summary>
    /// <exception cref="QuantPolicyException">The layer's options are not a <typeparamref name="TOptions"/>.</exception>
    public static QuantTarget Quantize<TLayer, TOptions>(int w, int a, Action<TOptions> configure)
        where TLayer : IQuantLayerType
        where TOptions : QuantLayerOptions
    {
        QuantLayerOptions options = TLayer.Descriptor.CreateOptions();
        if (options is not TOptions typed)
        {
            throw new QuantPolicyException(
                [$"{typeof(TLayer).Name} takes {options.GetType().Name}, not {typeof(TOptions).Name}"]);
        }

        configure(typed);
        return new(TLayer.Descriptor, new QuantLayerSettings(w, a, options));
    }

    /// <summary>The problems with this target (bits, the layer's own checks), each prefixed by <paramref name="rule"/>.</summary>
    internal IEnumerable<string> Validate(string rule)
    {
        if (Layer is null || _settings is null)
        {
            yield break;
        }

        foreach (string? problem in new[]
                 {
                     QuantLayerSettings.BitsProblem(_settings.WeightBits, "weight"),
                     QuantLayerSettings.BitsProblem(_settings.ActivationBits, "activation"),
                 })
        {
            if (problem is not null)
            {
                yield return $"{rule}: {problem}";
            }
        }

        foreach (string problem in Layer.Validate(_settings))
        {
            yield return $"{rule}: {problem}";
        }
    }

    /// <inheritdoc />
    public bool Equals(QuantTarget? other) =>
        other is not null && Equals(Layer, other.Layer) && Equals(_settings, other._settings);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as QuantTarget);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Layer, _settings);

    /// <summary>For example <c>EightBitConv(w: 8, a: 8)</c> or <c>float</c>.</summary>
    public override string ToString()
    {
        if (Layer is null || _settings is null)
        {
            return "float";
        }

        QuantLayerOptions defaults = Layer.CreateOptions();
        IEnumerable<string> changed = _settings.Options.GetType()
            .GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
            .Where(p => p.CanWrite && p.Name != "EqualityContract" && p.DeclaringType!.IsInstanceOfType(defaults))
            .Where(p => !Equals(p.GetValue(_settings.Options), p.GetValue(defaults)))
            .Select(p => $", {char.ToLowerInvariant(p.Name[0])}{p.Name[1..]}: {Text(p.GetValue(_settings.Options))}");
        return $"{Layer.Name}(w: {_settings.WeightBits}, a: {_settings.ActivationBits}{string.Concat(changed)})";
    }

    private static string? Text(object? value) => value switch
    {
        bool b => b ? "true" : "false",
        Enum e => e.ToString(),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value?.ToString(),
    };
}
