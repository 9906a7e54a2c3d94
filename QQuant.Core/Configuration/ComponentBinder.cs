using Microsoft.Extensions.Configuration;

namespace QQuant;

/// <summary>
/// Builds components and binds their options from configuration for <see cref="ComponentRegistry"/>, collecting
/// every problem with its key path instead of stopping at the first.
/// </summary>
internal sealed class ComponentBinder
{
    private const string TypeKey = "type";

    private readonly ComponentRegistry _registry;
    private readonly List<string> _problems = [];
    private readonly StrictBinder _values;

    private ComponentBinder(ComponentRegistry registry)
    {
        _registry = registry;
        _values = new StrictBinder(_problems, registry.IsKind, Build);
    }

    public static object BuildRoot(ComponentRegistry registry, Type kind, IConfiguration section)
    {
        var binder = new ComponentBinder(registry);
        object? built = binder.Build(kind, section);
        binder.ThrowIfProblems(section);
        return built!;
    }

    public static object BindOptionsRoot(ComponentRegistry registry, Type optionsType, IConfiguration section)
    {
        var binder = new ComponentBinder(registry);
        object options = binder.BindOptions(optionsType, section, ignoreType: false);
        binder.ThrowIfProblems(section);
        return options;
    }

    private void ThrowIfProblems(IConfiguration section)
    {
        if (_problems.Count > 0)
        {
            throw new ComponentConfigurationException(section is IConfigurationSection s ? $"'{s.Path}'" : "the configuration", _problems);
        }
    }

    private object? Build(Type kind, IConfiguration section)
    {
        string path = ConfigKeys.PathOf(section);
        if (!section.GetChildren().Any())
        {
            _problems.Add($"{path}: expected an object with a '{TypeKey}' key naming a {kind.Name} "
                          + $"({Valid(_registry.TypesOf(kind))})");
            return null;
        }

        string? type = section[TypeKey];
        if (string.IsNullOrWhiteSpace(type))
        {
            _problems.Add($"{path}: the '{TypeKey}' key is missing; name a {kind.Name} ({Valid(_registry.TypesOf(kind))})");
            return null;
        }

        if (!_registry.TryGet(kind, type, out ComponentRegistration? registration))
        {
            _problems.Add($"{path}:{TypeKey}: unknown {kind.Name} '{type}'; "
                          + $"{NearestNames.Suggest(type, _registry.TypesOf(kind))} ({Valid(_registry.TypesOf(kind))})");
            return null;
        }

        int before = _problems.Count;
        object options = BindOptions(registration.OptionsType, section, ignoreType: true);
        if (_problems.Count > before)
        {
            return null;
        }

        try
        {
            return registration.Create(options);
        }
        catch (ComponentConfigurationException e)
        {
            _problems.AddRange(e.Problems);
        }
        catch (Exception e) when (e is QQuantException or ArgumentException or InvalidOperationException)
        {
            _problems.Add($"{path} ({registration.Type}): {e.Message}");
        }
        catch (Exception e) when (TorchAllocationFailure.TryDescribe(e, out string summary))
        {
            _problems.Add($"{path} ({registration.Type}): building it needs more memory than there is ({summary}); check its sizes");
        }

        return null;
    }

    private object BindOptions(Type optionsType, IConfiguration section, bool ignoreType)
    {
        object options = StrictBinder.Create(optionsType);
        _values.BindProperties(
            options,
            section.GetChildren().Where(c => !(ignoreType && string.Equals(c.Key, TypeKey, StringComparison.OrdinalIgnoreCase))));
        return options;
    }

    private static string Valid(IReadOnlyCollection<string> names) =>
        names.Count == 0 ? "none are registered" : "registered: " + string.Join(", ", names.Order(StringComparer.OrdinalIgnoreCase));
}
