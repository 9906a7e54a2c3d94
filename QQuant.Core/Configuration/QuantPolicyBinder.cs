using Microsoft.Extensions.Configuration;

namespace QQuant;

/// <summary>
/// Binds a <see cref="QuantPolicy"/> from configuration, in QQuant's keys (<c>policy</c>, <c>specialLayers</c>,
/// <c>except</c>) or the Python reference's (<c>quan_policy</c>, <c>special_layers</c> with <c>layers_name</c> and
/// <c>convert_type</c>, <c>num_bit_w</c>, <c>bSetQ</c>, <c>quant_activation</c>, ...). Keys match ignoring case and
/// underscores. Every problem is collected and reported at once, each with its key path.
/// </summary>
internal sealed class QuantPolicyBinder
{
    private static readonly string[] RootKeys = ["type", "policy", "specialLayers", "except", "allowUnmatched"];

    private readonly QuantLayerRegistry _registry;
    private readonly QuantPolicyBuilder _builder = QuantPolicy.Create();
    private readonly List<string> _problems = [];
    private readonly Dictionary<Type, string> _typeKeys = [];
    private readonly StrictBinder _values;

    private QuantPolicyBinder(QuantLayerRegistry registry)
    {
        _registry = registry;
        _values = new StrictBinder(_problems);
    }

    public static QuantPolicy Bind(IConfiguration section, QuantLayerRegistry registry, string where)
    {
        var binder = new QuantPolicyBinder(registry);
        binder.BindRoot(section);
        if (binder._problems.Count > 0)
        {
            throw new QuantConfigurationException(where, binder._problems);
        }

        try
        {
            return binder._builder.Build();
        }
        catch (QuantPolicyException e)
        {
            throw new QuantConfigurationException(where, e.Problems);
        }
    }

    private void BindRoot(IConfiguration root)
    {
        List<IConfigurationSection> children = root.GetChildren().ToList();
        if (children.Count == 0)
        {
            _problems.Add($"{ConfigKeys.PathOf(root)}: the section is missing or empty");
            return;
        }

        foreach (IConfigurationSection child in children)
        {
            switch (ConfigKeys.Normalize(child.Key))
            {
                case "type":
                    CheckTransformerType(child);
                    break;
                case "policy" or "quanpolicy" or "quantpolicy":
                    ExpectObject(child);
                    foreach (IConfigurationSection rule in child.GetChildren())
                    {
                        BindTypeRule(rule);
                    }

                    break;
                case "speciallayers":
                    BindSpecialLayers(child);
                    break;
                case "except" or "excludelayers":
                    _builder.Except([.. Names(child)]);
                    break;
                case "allowunmatched":
                    if (_values.Value<bool>(child) == true)
                    {
                        _builder.AllowUnmatched();
                    }

                    break;
                default:
                    _values.Unknown(child, RootKeys, ["quan_policy", "special_layers", "exclude_layers", "allow_unmatched"]);
                    break;
            }
        }
    }

    private void CheckTransformerType(IConfigurationSection type)
    {
        string? name = type.Value;
        if (!string.Equals(name, ReferenceNames.Transformer, StringComparison.OrdinalIgnoreCase)
            && (name is null || !ReferenceNames.TransformerAliases.Contains(name)))
        {
            _problems.Add($"{type.Path}: unknown transformer type '{name}'; use '{ReferenceNames.Transformer}' "
                          + $"(the reference's {string.Join(", ", ReferenceNames.TransformerAliases)} are accepted too)");
        }
    }

    private void BindTypeRule(IConfigurationSection rule)
    {
        Type? moduleType = ModuleTypeNames.Resolve(rule.Key, _registry);
        QuantTarget? target = BindTarget(rule);
        if (moduleType is not null && !_typeKeys.TryAdd(moduleType, rule.Path))
        {
            _problems.Add($"{rule.Path}: names the same module type as {_typeKeys[moduleType]} ({moduleType.Name}); "
                          + "configuration keys have no order, so keep one");
        }
        else if (moduleType is null)
        {
            _problems.Add($"{rule.Path}: '{rule.Key}' is not a TorchSharp module type or one registered with "
                          + $"AddModuleType<T>(); {NearestNames.Suggest(rule.Key, ModuleTypeNames.Known(_registry))}");
        }
        else if (target is not null)
        {
            _builder.For(moduleType, target);
        }
    }

    private void BindSpecialLayers(IConfigurationSection special)
    {
        ExpectObject(special);
        IConfigurationSection? names = special.GetChildren().FirstOrDefault(c => ConfigKeys.Normalize(c.Key) == "layersname");
        if (names is null)
        {
            foreach (IConfigurationSection layer in special.GetChildren())
            {
                if (BindTarget(layer) is { } target)
                {
                    _builder.OverrideUnordered(layer.Key, target);
                }
            }

            return;
        }

        foreach (IConfigurationSection extra in special.GetChildren()
                     .Where(c => ConfigKeys.Normalize(c.Key) is not ("layersname" or "converttype")))
        {
            _values.Unknown(extra, ["layers_name", "convert_type"]);
        }

        List<string> layerNames = Names(names).ToList();
        List<IConfigurationSection> types = special.GetChildren()
            .FirstOrDefault(c => ConfigKeys.Normalize(c.Key) == "converttype")?.GetChildren().ToList() ?? [];
        if (layerNames.Count != types.Count)
        {
            _problems.Add($"{special.Path}: layers_name has {layerNames.Count} entries but convert_type has "
                          + $"{types.Count}; they are parallel lists and must have the same length");
            return;
        }

        for (int i = 0; i < layerNames.Count; i++)
        {
            if (BindTarget(types[i]) is { } target)
            {
                _builder.Override(layerNames[i], target);
            }
        }
    }

    private QuantTarget? BindTarget(IConfigurationSection entry)
    {
        var keys = entry.GetChildren().ToList();
        IConfigurationSection? typeKey = keys.FirstOrDefault(k => ConfigKeys.Normalize(k.Key) == "type");
        if (typeKey?.Value is not { } typeName)
        {
            _problems.Add($"{entry.Path}: needs \"type\" (a quantized layer name; registered: "
                          + $"{string.Join(", ", _registry.Names.Order())})");
            return null;
        }

        if (ResolveLayer(typeKey, typeName) is not { } registration)
        {
            return null;
        }

        QuantLayerOptions options = registration.Layer.CreateOptions();
        registration.Defaults.Options?.Invoke(options);
        int? w = registration.Defaults.WeightBits;
        int? a = registration.Defaults.ActivationBits;
        string wPath = $"{entry.Path}:w", aPath = $"{entry.Path}:a";
        bool keepFloat = false;
        bool? signed = null, autoSigned = null;
        _values.BindProperties(
            options,
            keys,
            [
                new StrictBinder.OwnKey("type", [], _ => { }),
                new StrictBinder.OwnKey("w", ReferenceNames.WeightBitsKeys, k => (w, wPath) = (_values.Value<int>(k) ?? w, k.Path)),
                new StrictBinder.OwnKey("a", ReferenceNames.ActivationBitsKeys, k => (a, aPath) = (_values.Value<int>(k) ?? a, k.Path)),
                new StrictBinder.OwnKey("bSetQ", [], k => keepFloat = _values.Value<bool>(k) == false),
                new StrictBinder.OwnKey("signed", [], k => signed = _values.Value<bool>(k)),
                new StrictBinder.OwnKey("auto_signed", [], k => autoSigned = _values.Value<bool>(k)),
            ]);
        if ((signed is not null || autoSigned is not null)
            && keys.FirstOrDefault(k => ConfigKeys.Normalize(k.Key) == "activationsign") is { } explicitSign)
        {
            _problems.Add($"{explicitSign.Path}: sets the same option as the reference's signed/auto_signed; keep one");
        }

        // The reference's auto_signed decides from data and overrides signed.
        if (autoSigned == true || signed is not null)
        {
            options.ActivationSign = autoSigned == true ? ActivationSign.Auto
                : signed == true ? ActivationSign.Signed
                : ActivationSign.Unsigned;
        }

        if (keepFloat)
        {
            return QuantTarget.Float;
        }

        if (w is null || a is null)
        {
            _problems.Add($"{entry.Path}: needs {(w is null ? "\"w\" (weight bits)" : "")}"
                          + $"{(w is null && a is null ? " and " : "")}{(a is null ? "\"a\" (activation bits)" : "")}");
            return null;
        }

        // Checked here as well as at Build() so that each problem names its key.
        var settings = new QuantLayerSettings(w.Value, a.Value, options);
        int before = _problems.Count;
        CheckBits(wPath, "weight", w.Value);
        CheckBits(aPath, "activation", a.Value);
        _problems.AddRange(registration.Layer.Validate(settings).Select(p => $"{entry.Path}: {p}"));
        return _problems.Count == before ? QuantTarget.Quantize(registration.Layer, settings) : null;
    }

    private void CheckBits(string path, string what, int bits)
    {
        if (QuantLayerSettings.BitsProblem(bits, what) is { } problem)
        {
            _problems.Add($"{path}: {problem}");
        }
    }

    // The JSON provider stores an empty array as its key with the value "".
    private IEnumerable<string> Names(IConfigurationSection section)
    {
        List<(string Path, string Name)> names = section.Value is { } single
            ? single.Length == 0 ? [] : [(section.Path, single)]
            : section.GetChildren().Select(c => (c.Path, c.Value ?? "")).ToList();
        foreach (var (path, name) in names)
        {
            if (NamePattern.TryParse(name, out string? problem) is null)
            {
                _problems.Add($"{path}: {problem}");
            }

            yield return name;
        }
    }

    private QuantLayerRegistration? ResolveLayer(IConfigurationSection typeKey, string name)
    {
        if (_registry.TryGet(name, out QuantLayerRegistration? registration))
        {
            return registration;
        }

        _problems.Add($"{typeKey.Path}: unknown quantized layer type '{name}'; "
                      + (_registry.Names.Count == 0
                          ? "no scheme is registered (call AddQuantizers() from QQuant.Quantizers, or register your own)"
                          : NearestNames.Suggest(name, _registry.Names.Concat(_registry.Aliases))));
        return null;
    }

    private void ExpectObject(IConfigurationSection section)
    {
        if (!string.IsNullOrEmpty(section.Value))
        {
            _problems.Add($"{section.Path}: expected an object, got the value '{section.Value}'");
        }
    }

}
