using System.Collections;
using System.Globalization;
using System.Reflection;
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

    private ComponentBinder(ComponentRegistry registry) => _registry = registry;

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
        string path = PathOf(section);
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

        return null;
    }

    private object BindOptions(Type optionsType, IConfiguration section, bool ignoreType)
    {
        object options = Activator.CreateInstance(optionsType)
                         ?? throw new QQuantException($"{optionsType.Name} has no public parameterless constructor.");
        Dictionary<string, PropertyInfo> keys = ConfigKeys.OptionKeys(optionsType);
        foreach (IConfigurationSection child in section.GetChildren())
        {
            if (ignoreType && string.Equals(child.Key, TypeKey, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!keys.TryGetValue(ConfigKeys.Normalize(child.Key), out PropertyInfo? property))
            {
                List<string> names = OptionNames(optionsType).ToList();
                _problems.Add($"{child.Path}: unknown key '{child.Key}'; {NearestNames.Suggest(child.Key, names)} "
                              + $"(valid here: {string.Join(", ", names)})");
                continue;
            }

            if (Convert(property.PropertyType, child, out object? value))
            {
                property.SetValue(options, value);
            }
        }

        return options;
    }

    private bool Convert(Type type, IConfigurationSection key, out object? value)
    {
        value = null;
        Type? underlying = Nullable.GetUnderlyingType(type);
        bool isNullable = underlying is not null || !type.IsValueType;
        Type target = underlying ?? type;
        bool hasChildren = key.GetChildren().Any();
        if (!hasChildren && string.IsNullOrEmpty(key.Value))
        {
            if (isNullable)
            {
                return true;
            }

            _problems.Add($"{key.Path}: a value is required ({Describe(target)})");
            return false;
        }

        if (typeof(IConfiguration).IsAssignableFrom(target))
        {
            value = key;
            return true;
        }

        if (_registry.IsKind(target))
        {
            value = Build(target, key);
            return value is not null;
        }

        if (ListElementType(target) is { } element)
        {
            return ConvertList(target, element, key, hasChildren, out value);
        }

        if (hasChildren)
        {
            if (IsOptionsClass(target))
            {
                int before = _problems.Count;
                value = BindOptions(target, key, ignoreType: false);
                return _problems.Count == before;
            }

            _problems.Add($"{key.Path}: expected {Describe(target)}, got an object or a list");
            return false;
        }

        value = Scalar(target, key.Value!, key.Path);
        return value is not null;
    }

    private bool ConvertList(Type listType, Type element, IConfigurationSection key, bool hasChildren, out object? value)
    {
        value = null;
        // A list's children are keyed 0, 1, 2 ...; one value (or one component object) stands for a list of one.
        List<IConfigurationSection> items = [key];
        if (hasChildren && key.GetChildren().All(i => int.TryParse(i.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            items = key.GetChildren().OrderBy(i => int.Parse(i.Key, CultureInfo.InvariantCulture)).ToList();
        }
        else if (hasChildren && !_registry.IsKind(element))
        {
            _problems.Add($"{key.Path}: expected a list of {Describe(element)}, got an object");
            return false;
        }

        var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
        bool ok = true;
        foreach (IConfigurationSection item in items)
        {
            if (Convert(element, item, out object? converted))
            {
                list.Add(converted);
            }
            else
            {
                ok = false;
            }
        }

        if (!ok)
        {
            return false;
        }

        if (listType.IsArray)
        {
            Array array = Array.CreateInstance(element, list.Count);
            list.CopyTo(array, 0);
            value = array;
        }
        else
        {
            value = list;
        }

        return true;
    }

    private object? Scalar(Type target, string text, string path)
    {
        object? value = target switch
        {
            _ when target == typeof(string) => text,
            _ when target == typeof(bool) => bool.TryParse(text, out bool b) ? b : null,
            _ when target == typeof(int) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) ? i : null,
            _ when target == typeof(long) => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l) ? l : null,
            _ when target == typeof(double) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : null,
            _ when target == typeof(float) => float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float f) ? f : null,
            _ when target.IsEnum => EnumValue(target, text),
            _ => null,
        };
        if (value is null)
        {
            string expected = target.IsEnum
                ? $"one of {string.Join(", ", EnumNames(target))}"
                : Describe(target);
            _problems.Add($"{path}: '{text}' is not {expected}");
        }

        return value;
    }

    private static object? EnumValue(Type type, string text)
    {
        string wanted = ConfigKeys.Normalize(text.Replace("-", "", StringComparison.Ordinal));
        string? name = Enum.GetNames(type).FirstOrDefault(n => ConfigKeys.Normalize(n) == wanted);
        return name is null ? null : Enum.Parse(type, name);
    }

    private static IEnumerable<string> EnumNames(Type type) => Enum.GetNames(type).Select(ConfigKeys.CamelCase);

    private static Type? ListElementType(Type type)
    {
        if (type == typeof(string))
        {
            return null;
        }

        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (type.IsGenericType)
        {
            Type definition = type.GetGenericTypeDefinition();
            if (definition == typeof(IReadOnlyList<>) || definition == typeof(List<>) || definition == typeof(IList<>)
                || definition == typeof(IEnumerable<>) || definition == typeof(IReadOnlyCollection<>))
            {
                return type.GetGenericArguments()[0];
            }
        }

        return null;
    }

    private static bool IsOptionsClass(Type type) =>
        type.IsClass && !type.IsAbstract && type != typeof(string) && type.GetConstructor(Type.EmptyTypes) is not null;

    private static IEnumerable<string> OptionNames(Type optionsType) => ConfigKeys.Settable(optionsType).Select(p => ConfigKeys.CamelCase(p.Name));

    private string Describe(Type type) =>
        type == typeof(int) || type == typeof(long) ? "a whole number"
        : type == typeof(double) || type == typeof(float) ? "a number"
        : type == typeof(bool) ? "true or false"
        : type == typeof(string) ? "a string"
        : _registry.IsKind(type) ? $"a {type.Name} object"
        : type.Name;

    private static string Valid(IReadOnlyCollection<string> names) =>
        names.Count == 0 ? "none are registered" : "registered: " + string.Join(", ", names.Order(StringComparer.OrdinalIgnoreCase));

    private static string PathOf(IConfiguration section) => section is IConfigurationSection s ? s.Path : "(root)";
}
